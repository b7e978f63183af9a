package io.baton.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One task of an emulated workflow: an operator task, or a group whose children run one after another or, for
 * {@link #parallel}, all at once ({@code _parallel: true}). {@link #forEach} is the {@code for_each>} operator, which
 * adds a generated {@code ^sub} group of one task per value when it runs; {@link #withRetry} adds {@code _retry}.
 *
 * @param duration how long the task runs under the automatic drive; null for the drive's default
 */
public record TaskSpec(String name, Kind kind, ObjectNode config, List<TaskSpec> children, Duration duration) {

    public enum Kind { OPERATOR, GROUP, PARALLEL_GROUP }

    public TaskSpec {
        if (name == null || name.isBlank() || name.contains("+") || name.contains("^")) {
            throw new IllegalArgumentException("a task name is a non-empty .dig key without '+' or '^': " + name);
        }
        children = List.copyOf(children);
        if (kind == Kind.OPERATOR && !children.isEmpty()) {
            throw new IllegalArgumentException("an operator task has no children: " + name);
        }
    }

    /** An operator task; its config is {@code {"echo>": name}}. */
    public static TaskSpec task(String name) {
        return new TaskSpec(name, Kind.OPERATOR, JsonNodeFactory.instance.objectNode().put("echo>", name), List.of(),
                null);
    }

    /** An operator task with its own config, e.g. {@code {"sh>": "..."}}. */
    public static TaskSpec task(String name, ObjectNode config) {
        return new TaskSpec(name, Kind.OPERATOR, config.deepCopy(), List.of(), null);
    }

    /**
     * The {@code for_each>} operator over one variable: when it runs, Digdag adds the group {@code +name^sub} with
     * the tasks {@code +for-0=variable=i=value}, run one after another, each an {@code echo>} exporting its value.
     */
    public static TaskSpec forEach(String name, String variable, String... values) {
        ObjectNode config = JsonNodeFactory.instance.objectNode();
        ArrayNode list = config.putObject("for_each>").putArray(variable);
        List.of(values).forEach(list::add);
        config.putObject("_do").put("echo>", variable + " ${" + variable + "}");
        return new TaskSpec(name, Kind.OPERATOR, config, List.of(), null);
    }

    /**
     * A task of a .dig file read as JSON: its {@code +name} keys are its children (a group, parallel with
     * {@code _parallel: true}), the other keys its config; without children it is an operator task, e.g.
     * {@code http>} (run by the emulator as Digdag does, see {@link HttpOperator}), {@code for_each>} or {@code sh>}.
     */
    public static TaskSpec fromDig(String name, ObjectNode definition) {
        ObjectNode config = definition.deepCopy();
        List<TaskSpec> children = new ArrayList<>();
        definition.fields().forEachRemaining(field -> {
            if (field.getKey().startsWith("+")) {
                if (!field.getValue().isObject()) {
                    throw new IllegalArgumentException("task " + field.getKey() + " of " + name + " is not a map");
                }
                children.add(fromDig(field.getKey().substring(1), (ObjectNode) field.getValue()));
                config.remove(field.getKey());
            }
        });
        Kind kind = children.isEmpty() ? Kind.OPERATOR
                : config.path("_parallel").asBoolean(false) ? Kind.PARALLEL_GROUP : Kind.GROUP;
        return new TaskSpec(name, kind, config, children, null);
    }

    /** A group whose children run in order, each after the previous one succeeded. */
    public static TaskSpec group(String name, TaskSpec... children) {
        return new TaskSpec(name, Kind.GROUP, JsonNodeFactory.instance.objectNode(), List.of(children), null);
    }

    /** A group whose children all start together. */
    public static TaskSpec parallel(String name, TaskSpec... children) {
        return new TaskSpec(name, Kind.PARALLEL_GROUP, JsonNodeFactory.instance.objectNode().put("_parallel", true),
                List.of(children), null);
    }

    /** The same task, running for {@code duration} under the automatic drive. */
    public TaskSpec withDuration(Duration duration) {
        return new TaskSpec(name, kind, config, children, duration);
    }

    /**
     * The same task with {@code _retry}: an operator task that fails waits {@code interval} in {@code retry_waiting}
     * and runs again (same task id); a group whose child fails waits in {@code group_retry_waiting} (at once without
     * an interval) and then adds a new copy of every child, with new ids and the same full names.
     */
    public TaskSpec withRetry(int limit, Duration interval) {
        ObjectNode retried = config.deepCopy();
        if (interval.isZero()) {
            retried.put("_retry", limit);
        } else {
            retried.putObject("_retry").put("limit", limit).put("interval", interval.toSeconds());
        }
        return new TaskSpec(name, kind, retried, children, duration);
    }

    boolean isGroup() {
        return kind != Kind.OPERATOR;
    }

    /** The task as it appears in the .dig file: its own config plus its children as {@code +name} keys. */
    ObjectNode definition() {
        ObjectNode definition = config.deepCopy();
        children.forEach(child -> definition.set("+" + child.name(), child.definition()));
        return definition;
    }
}
