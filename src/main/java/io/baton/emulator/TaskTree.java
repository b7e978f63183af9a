package io.baton.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.digdag.client.Resume;
import io.baton.emulator.Stored.Att;
import io.baton.emulator.Stored.Tsk;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static io.baton.digdag.client.Task.ERROR;
import static io.baton.digdag.client.Task.PLANNED;
import static io.baton.digdag.client.Task.SUCCESS;

/**
 * Adds an attempt's task rows as Digdag numbers and names them: the workflow's tasks in definition order, and the
 * tasks Digdag generates while the attempt runs ({@code ^failure-alert}, {@code ^error}, {@code for_each>}'s
 * {@code ^sub}), with higher ids. {@link TaskMachine} decides when.
 */
final class TaskTree {

    static final String FAILURE_ALERT = "^failure-alert";
    private static final String ERROR_HANDLER = "^error";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Supplier<Instant> now;
    private long taskSeq;

    TaskTree(Supplier<Instant> now) {
        this.now = now;
    }

    /** Task ids count from 1 again, as on a restarted Digdag. */
    void restartIds() {
        taskSeq = 0;
    }

    /**
     * Adds the task rows of a new attempt from its workflow's definition; the root is returned. Tasks named in
     * {@code resumed} are copies: {@code success} from the start, with the {@code updatedAt} of the run they stand for.
     */
    Tsk addTasks(Att attempt, Map<String, Tsk> resumed) {
        Tsk root = addTask(attempt, null, attempt.workflow.spec().root(attempt.workflow.name()), "");
        for (Tsk task : attempt.tasks) {
            Tsk earlier = resumed.get(task.fullName);
            if (earlier != null) {
                task.state = SUCCESS;
                task.updatedAt = earlier.updatedAt;
            }
        }
        return root;
    }

    /**
     * The tasks of {@code source} that an attempt resuming it copies as already successful, by full name: with mode
     * {@code failed} those that succeeded, with {@code from} every task before the one named (all must have succeeded).
     */
    static Map<String, Tsk> resumable(Att source, Resume resume) {
        List<Tsk> candidates;
        if (Resume.FAILED.equals(resume.mode())) {
            if (source.success) {
                throw ApiError.badRequest("Resuming successfully completed attempts is not supported");
            }
            candidates = source.tasks.stream().filter(t -> t.parent != null && SUCCESS.equals(t.state)).toList();
        } else if (Resume.FROM.equals(resume.mode())) {
            Tsk from = source.tasks.stream()
                    .filter(t -> t.fullName.equals(resume.from()) || t.fullName.endsWith(resume.from()))
                    .findFirst().orElseThrow(() -> ApiError.badRequest("No task matches " + resume.from()));
            candidates = source.tasks.stream()
                    .filter(t -> t.parent != null && t.id < from.id && !from.hasAncestor(t))
                    .toList();
            candidates.stream().filter(t -> !SUCCESS.equals(t.state)).findFirst().ifPresent(t -> {
                throw ApiError.badRequest("Resuming non-successful tasks is not allowed: task_id=" + t.id);
            });
        } else {
            throw ApiError.badRequest("resume.mode is failed or from: " + resume.mode());
        }
        Map<String, Tsk> copied = new HashMap<>();
        candidates.forEach(t -> copied.put(t.fullName, t));
        return copied;
    }

    private Tsk addTask(Att attempt, Tsk parent, TaskSpec spec, String parentName) {
        Tsk task = new Tsk(++taskSeq, parentName + "+" + spec.name(), parent, spec, spec.config(), spec.isGroup(),
                spec.duration(), now.get());
        attempt.add(task);
        addChildren(attempt, task);
        return task;
    }

    /** Adds a copy of every child of the group's spec: first when the group is made, again when it is retried. */
    void addChildren(Att attempt, Tsk group) {
        group.children.clear();
        Tsk previous = null;
        for (TaskSpec childSpec : group.spec.children()) {
            Tsk child = addTask(attempt, group, childSpec, group.fullName);
            group.children.add(child);
            if (previous != null && group.spec.kind() == TaskSpec.Kind.GROUP) {
                child.upstreams.add(previous);
            }
            previous = child;
        }
    }

    /** Digdag adds this notification task to the root of every failed attempt. */
    void addFailureAlert(Att attempt, Tsk root) {
        ObjectNode config = JSON.objectNode().put("_type", "notify").put("_command", "Workflow session attempt failed");
        Tsk alert = addGenerated(attempt, root, root.fullName + FAILURE_ALERT, config, null);
        alert.state = SUCCESS;
        alert.startedAt = alert.updatedAt;
    }

    /**
     * The root's {@code _error} (an operator, or a group of {@code +tasks}) runs as {@code ^error} once the attempt
     * has failed, with the failure exported as {@code ${error.message}}; the root waits for it. Not begun yet.
     */
    Tsk addErrorHandler(Att attempt, Tsk root) {
        TaskSpec handler = TaskSpec.fromDig("error", (ObjectNode) root.config.get("_error"));
        ObjectNode config = handler.config();
        JsonNode export = config.get("_export");
        (export instanceof ObjectNode exported ? exported : config.putObject("_export")).set("error",
                attempt.tasks.stream().filter(t -> ERROR.equals(t.state)).<JsonNode>map(t -> t.error.deepCopy())
                        .findFirst().orElse(JSON.objectNode()));
        Tsk task = addGenerated(attempt, root, root.fullName + ERROR_HANDLER, config, handler);
        if (task.group) {
            addChildren(attempt, task);
        }
        return task;
    }

    /** {@code for_each>}: the group {@code ^sub} with one task per value, one after another, each exporting it. */
    void addForEachGroup(Att attempt, Tsk loop) {
        Tsk sub = addGenerated(attempt, loop, loop.fullName + "^sub", JSON.objectNode(), TaskSpec.group("sub"));
        sub.state = PLANNED;
        Map.Entry<String, JsonNode> variable = loop.config.get("for_each>").fields().next();
        Tsk previous = null;
        for (int i = 0; i < variable.getValue().size(); i++) {
            String value = variable.getValue().get(i).asText();
            ObjectNode config = ((ObjectNode) loop.config.path("_do")).deepCopy();
            config.putObject("_export").put(variable.getKey(), value);
            Tsk child = addGenerated(attempt, sub, sub.fullName + "+for-0=" + variable.getKey() + "=" + i + "=" + value,
                    config, null);
            if (previous != null) {
                child.upstreams.add(previous);
            }
            previous = child;
        }
    }

    /**
     * A task Digdag adds while the attempt runs: a higher id, a {@code ^} name.
     *
     * @param spec what the task is made of (a group's children); null for an operator task
     */
    private Tsk addGenerated(Att attempt, Tsk parent, String fullName, ObjectNode config, TaskSpec spec) {
        Tsk task = new Tsk(++taskSeq, fullName, parent, spec, config, spec != null && spec.isGroup(), null, now.get());
        attempt.add(task);
        parent.children.add(task);
        return task;
    }
}
