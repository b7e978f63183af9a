package io.baton.emulator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The task tree of an emulated workflow, e.g.
 * {@code sequence(task("extract"), group("transform", parallel("clean", task("a"), task("b"))), task("load"))}, or
 * a .dig file read as JSON ({@link #fromDig}). The root is a group named after the workflow.
 *
 * @param rootConfig the root's own keys, e.g. {@code _export}, and {@code _error}: what runs as the task
 *                   {@code +workflow^error} when an attempt fails (an operator config, or a group of {@code +tasks})
 */
public record WorkflowSpec(TaskSpec.Kind rootKind, List<TaskSpec> tasks, ObjectNode rootConfig) {

    public WorkflowSpec {
        tasks = List.copyOf(tasks);
        rootConfig = rootConfig.deepCopy();
    }

    /** Top-level tasks that run one after another. */
    public static WorkflowSpec sequence(TaskSpec... tasks) {
        return new WorkflowSpec(TaskSpec.Kind.GROUP, List.of(tasks), JsonNodeFactory.instance.objectNode());
    }

    /** Top-level tasks that all start together. */
    public static WorkflowSpec parallel(TaskSpec... tasks) {
        return new WorkflowSpec(TaskSpec.Kind.PARALLEL_GROUP, List.of(tasks), JsonNodeFactory.instance.objectNode());
    }

    /**
     * The workflow of a .dig file read as JSON (e.g. with Jackson's YAML reader): {@code +name} keys are tasks, the
     * other keys (except {@code timezone}) the root's config. Tasks follow {@link TaskSpec#fromDig}.
     */
    public static WorkflowSpec fromDig(ObjectNode dig) {
        ObjectNode definition = dig.deepCopy();
        definition.remove("timezone");
        TaskSpec root = TaskSpec.fromDig("root", definition);
        ObjectNode config = root.config().deepCopy();
        config.remove("_parallel");
        TaskSpec.Kind kind = root.kind() == TaskSpec.Kind.OPERATOR ? TaskSpec.Kind.GROUP : root.kind();
        return new WorkflowSpec(kind, root.children(), config);
    }

    /** The same workflow with {@code _error}: the operator config run as {@code ^error} when an attempt fails. */
    public WorkflowSpec onError(ObjectNode handler) {
        ObjectNode config = rootConfig.deepCopy();
        config.set("_error", handler.deepCopy());
        return new WorkflowSpec(rootKind, tasks, config);
    }

    /** The root task named {@code workflowName}. */
    TaskSpec root(String workflowName) {
        TaskSpec[] children = tasks.toArray(TaskSpec[]::new);
        TaskSpec root = rootKind == TaskSpec.Kind.GROUP ? TaskSpec.group(workflowName, children)
                : TaskSpec.parallel(workflowName, children);
        root.config().setAll(rootConfig.deepCopy());
        return root;
    }

    /** What Digdag shows as the workflow's {@code config}: the .dig file as JSON, without {@code timezone}. */
    ObjectNode definition(String workflowName) {
        return root(workflowName).definition();
    }
}
