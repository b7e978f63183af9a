package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A Digdag attempt ({@code task} absent) or one task of it (full name such as {@code +etl+load}) that must end with
 * {@code outcome}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DigdagCondition(String server, String project, String workflow, String task, Outcome outcome) {

    public String workflowKey() {
        return WorkflowKeys.of(server, project, workflow);
    }
}
