package io.baton.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The task tree of an emulated workflow, e.g.
 * {@code sequence(task("extract"), group("transform", parallel("clean", task("a"), task("b"))), task("load"))}.
 * The root is a group named after the workflow.
 */
public record WorkflowSpec(TaskSpec.Kind rootKind, List<TaskSpec> tasks) {

    public WorkflowSpec {
        tasks = List.copyOf(tasks);
    }

    /** Top-level tasks that run one after another. */
    public static WorkflowSpec sequence(TaskSpec... tasks) {
        return new WorkflowSpec(TaskSpec.Kind.GROUP, List.of(tasks));
    }

    /** Top-level tasks that all start together. */
    public static WorkflowSpec parallel(TaskSpec... tasks) {
        return new WorkflowSpec(TaskSpec.Kind.PARALLEL_GROUP, List.of(tasks));
    }

    /** The root task named {@code workflowName}. */
    TaskSpec root(String workflowName) {
        TaskSpec[] children = tasks.toArray(TaskSpec[]::new);
        return rootKind == TaskSpec.Kind.GROUP ? TaskSpec.group(workflowName, children)
                : TaskSpec.parallel(workflowName, children);
    }

    /** What Digdag shows as the workflow's {@code config}: the .dig file as JSON, without {@code timezone}. */
    ObjectNode definition(String workflowName) {
        return root(workflowName).definition();
    }
}
