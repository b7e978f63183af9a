package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One upstream condition, exactly one of {@code digdag} or {@code event}. {@code id} names it within its rule (and in
 * params such as {@code ${upstream.session_time}}); Baton derives one when it is absent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Upstream(String id, DigdagCondition digdag, EventCondition event) {

    /** {@code server/project/workflow} of a Digdag condition, {@code event:<type>} of an external one. */
    public String key() {
        return digdag != null ? digdag.workflowKey() : "event:" + event.type();
    }
}
