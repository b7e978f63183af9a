package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One upstream condition, exactly one of {@code digdag} or {@code event}. {@code id} names it within its rule (and in
 * params such as {@code ${upstream.session_time}}); Baton derives one when it is absent. {@code filter} is a CEL
 * expression over the event ({@code data}, {@code subject}, {@code type}, {@code time}) that must be true for the
 * event to satisfy the upstream.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Upstream(String id, DigdagCondition digdag, EventCondition event, String filter) {

    /** {@code server/project/workflow} of a Digdag condition, {@code event:<type>} of an external one. */
    public String key() {
        return digdag != null ? digdag.workflowKey() : "event:" + event.type();
    }
}
