package io.baton.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The task tree of an emulated workflow, e.g.
 * {@code sequence(task("extract"), group("transform", parallel("clean", task("a"), task("b"))), task("load"))}.
 * The root is a group named after the workflow.
 *
 * @param errorHandler the root's {@code _error} config (e.g. {@code {"echo>": "..."}}): when the attempt fails, Digdag
 *                     runs it as the task {@code +workflow^error}; null for none
 */
public record WorkflowSpec(TaskSpec.Kind rootKind, List<TaskSpec> tasks, ObjectNode errorHandler) {

    public WorkflowSpec {
        tasks = List.copyOf(tasks);
    }

    /** Top-level tasks that run one after another. */
    public static WorkflowSpec sequence(TaskSpec... tasks) {
        return new WorkflowSpec(TaskSpec.Kind.GROUP, List.of(tasks), null);
    }

    /** Top-level tasks that all start together. */
    public static WorkflowSpec parallel(TaskSpec... tasks) {
        return new WorkflowSpec(TaskSpec.Kind.PARALLEL_GROUP, List.of(tasks), null);
    }

    /** The same workflow with {@code _error}: the operator config run as {@code ^error} when an attempt fails. */
    public WorkflowSpec onError(ObjectNode handler) {
        return new WorkflowSpec(rootKind, tasks, handler.deepCopy());
    }

    /** The root task named {@code workflowName}. */
    TaskSpec root(String workflowName) {
        TaskSpec[] children = tasks.toArray(TaskSpec[]::new);
        TaskSpec root = rootKind == TaskSpec.Kind.GROUP ? TaskSpec.group(workflowName, children)
                : TaskSpec.parallel(workflowName, children);
        if (errorHandler != null) {
            root.config().set("_error", errorHandler.deepCopy());
        }
        return root;
    }

    /** What Digdag shows as the workflow's {@code config}: the .dig file as JSON, without {@code timezone}. */
    ObjectNode definition(String workflowName) {
        return root(workflowName).definition();
    }
}
