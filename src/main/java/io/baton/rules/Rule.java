package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * A dependency rule: when its {@code upstreams} are satisfied ({@code match}, or the CEL {@code condition} over their
 * ids) for correlated sessions, start
 * {@code action}'s workflow. The wire format of the REST API, and what {@link RuleService#enabledRules()} returns
 * (then with every default filled in). The Java component {@code notification} is {@code notify} in JSON. {@code version}, {@code created*} and {@code updated*} are set by Baton; on
 * input only {@code version} is read (optimistic locking), the others are ignored so a fetched rule can be sent back.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "team", "description", "enabled", "mode", "upstreams", "match", "condition",
        "dependsOnPast", "onUpstreamRerun", "correlation", "window", "deadline", "action", "notify", "version",
        "createdBy", "createdAt", "updatedBy", "updatedAt"})
public record Rule(String name, String team, String description, Boolean enabled, RuleMode mode,
                   List<Upstream> upstreams, Match match, String condition, Boolean dependsOnPast,
                   UpstreamRerun onUpstreamRerun,
                   Correlation correlation, String window, Deadline deadline, Action action,
                   @JsonProperty("notify") Notify notification, Long version, String createdBy,
                   OffsetDateTime createdAt, String updatedBy, OffsetDateTime updatedAt) {

    public static final String DEFAULT_WINDOW = "PT24H";

    /** How long after the first satisfied upstream Baton waits for the others. */
    public Duration windowDuration() {
        return Duration.parse(window);
    }

    /** Whether a downstream session waits until the previous one succeeded in Digdag ({@code dependsOnPast}). */
    public boolean waitsForPreviousSession() {
        return Boolean.TRUE.equals(dependsOnPast);
    }

    /** What the rule does when an upstream runs again for a session it fired for; {@code ignore} when unset. */
    public UpstreamRerun upstreamRerun() {
        return onUpstreamRerun == null ? UpstreamRerun.IGNORE : onUpstreamRerun;
    }

    /** Keys of the upstreams for filtering: {@code server/project/workflow} or {@code event:<type>}. */
    public List<String> upstreamKeys() {
        return upstreams.stream().map(Upstream::key).distinct().toList();
    }

    Rule withName(String name) {
        return new Rule(name, team, description, enabled, mode, upstreams, match, condition, dependsOnPast,
                onUpstreamRerun, correlation, window, deadline, action,
                notification, version, createdBy, createdAt, updatedBy, updatedAt);
    }

    /** Whether the rule only records its fires instead of starting the downstream. */
    @JsonIgnore
    public boolean isShadow() {
        return mode == RuleMode.SHADOW;
    }

    Rule withMode(RuleMode mode) {
        return new Rule(name, team, description, enabled, mode, upstreams, match, condition, dependsOnPast,
                onUpstreamRerun, correlation, window, deadline, action,
                notification, version, createdBy, createdAt, updatedBy, updatedAt);
    }

    Rule withEnabled(boolean enabled) {
        return new Rule(name, team, description, enabled, mode, upstreams, match, condition, dependsOnPast,
                onUpstreamRerun, correlation, window, deadline, action,
                notification, version, createdBy, createdAt, updatedBy, updatedAt);
    }

    /** The rule as stored and audited: the definition without Baton's bookkeeping. */
    Rule definition() {
        return new Rule(name, team, description, enabled, mode, upstreams, match, condition, dependsOnPast,
                onUpstreamRerun, correlation, window, deadline, action,
                notification, null, null, null, null, null);
    }

    Rule withMetadata(Long version, String createdBy, OffsetDateTime createdAt, String updatedBy,
                      OffsetDateTime updatedAt) {
        return new Rule(name, team, description, enabled, mode, upstreams, match, condition, dependsOnPast,
                onUpstreamRerun, correlation, window, deadline, action,
                notification, version, createdBy, createdAt, updatedBy, updatedAt);
    }
}
