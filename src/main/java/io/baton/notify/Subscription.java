package io.baton.notify;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * A team's subscription to completion events of a Digdag project or workflow (or one task of it), and to the alerts
 * of expectations on its workflows: each match is sent to a Slack webhook or a generic webhook, both named in
 * configuration. {@code createdAt} and {@code updatedAt} are set by Baton and ignored on input.
 *
 * @param workflow  null: every workflow of the project
 * @param task      a task's full name ({@code +etl+load}); null: the attempt's own completion and expectation alerts
 * @param states    success, error, killed, canceled (completions) and late, failed, not_started, recovered
 *                  (expectations)
 * @param format    {@code blocks} (Slack Block Kit, the default) or {@code text}
 * @param templates per state, replacing the configured template
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "team", "enabled", "server", "project", "workflow", "task", "states", "slack", "webhook",
        "format", "templates", "createdAt", "updatedAt"})
public record Subscription(String name, String team, Boolean enabled, String server, String project, String workflow,
                           String task, List<String> states, String slack, String webhook, String format,
                           Map<String, String> templates,
                           @JsonProperty(access = JsonProperty.Access.READ_ONLY) OffsetDateTime createdAt,
                           @JsonProperty(access = JsonProperty.Access.READ_ONLY) OffsetDateTime updatedAt) {

    public static final String BLOCKS = "blocks";
    public static final String TEXT = "text";

    Subscription withTimes(OffsetDateTime created, OffsetDateTime updated) {
        return new Subscription(name, team, enabled, server, project, workflow, task, states, slack, webhook, format,
                templates, created, updated);
    }

    boolean wants(String state) {
        return Boolean.TRUE.equals(enabled) && states.contains(state);
    }
}
