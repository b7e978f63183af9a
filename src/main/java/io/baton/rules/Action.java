package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * Start {@code server/project/workflow} for the downstream session with {@code params}; string values may contain
 * {@link Placeholders placeholders}. {@code ifFailed} says what to do when the session's attempt already failed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Action(String server, String project, String workflow, JsonNode params, IfFailed ifFailed) {

    public String workflowKey() {
        return WorkflowKeys.of(server, project, workflow);
    }

    /** The params with every placeholder replaced, e.g. {@code upstream.session_date -> 2026-11-24}. */
    public JsonNode resolveParams(Map<String, String> values) {
        return Placeholders.resolve(params, values);
    }
}
