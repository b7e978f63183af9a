package io.baton.rules;

/** The one spelling of a workflow reference in filters, the graph and cycle messages. */
public final class WorkflowKeys {

    private WorkflowKeys() {
    }

    public static String of(String server, String project, String workflow) {
        return server + "/" + project + "/" + workflow;
    }
}
