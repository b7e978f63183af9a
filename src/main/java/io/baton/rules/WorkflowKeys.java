package io.baton.rules;

/** The one spelling of a workflow reference in filters, the graph and cycle messages. */
final class WorkflowKeys {

    private WorkflowKeys() {
    }

    static String of(String server, String project, String workflow) {
        return server + "/" + project + "/" + workflow;
    }
}
