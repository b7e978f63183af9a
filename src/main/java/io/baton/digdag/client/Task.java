package io.baton.digdag.client;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Digdag's RestTask. Digdag has no finish time for tasks: {@code updatedAt} of a done task is its finish time,
 * to the second.
 *
 * @param upstreams ids of the siblings that must finish first
 * @param state     lower-case TaskStateCode, see {@link #isDone()}
 * @param error     {@code {}} or {@code {message, stacktrace}}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Task(String id, String fullName, String parentId, JsonNode config, List<String> upstreams, String state,
                   boolean cancelRequested, JsonNode exportParams, JsonNode storeParams, JsonNode stateParams,
                   Instant updatedAt, Instant retryAt, Instant startedAt, JsonNode error,
                   @JsonProperty("isGroup") boolean isGroup) {

    public static final String BLOCKED = "blocked";
    public static final String READY = "ready";
    public static final String RETRY_WAITING = "retry_waiting";
    public static final String GROUP_RETRY_WAITING = "group_retry_waiting";
    public static final String PLANNED = "planned";
    public static final String RUNNING = "running";
    public static final String SUCCESS = "success";
    public static final String ERROR = "error";
    public static final String GROUP_ERROR = "group_error";
    public static final String CANCELED = "canceled";

    public static final Set<String> DONE_STATES = Set.of(SUCCESS, ERROR, GROUP_ERROR, CANCELED);

    /** True once the task reached a final state. Tasks that never ran after a failure or kill stay blocked. */
    @JsonIgnore
    public boolean isDone() {
        return DONE_STATES.contains(state);
    }

    /**
     * Whether a resumed attempt copied this task from an earlier attempt as already successful, rather than ran it:
     * it never started in this attempt and was last updated no later than the attempt was created (Digdag keeps the
     * original's time; seconds only, so a resume in the same second as the old finish gives equal times).
     */
    public boolean isCopiedInto(Attempt attempt) {
        return attempt.index() > 1 && !isGroup && SUCCESS.equals(state) && startedAt == null && updatedAt != null
                && attempt.createdAt() != null && !updatedAt.isAfter(attempt.createdAt());
    }

    /** Digdag's error message of a failed task; null when it has none. */
    @JsonIgnore
    public String errorMessage() {
        return error == null || !error.hasNonNull("message") ? null : error.get("message").asText();
    }

    @JsonIgnore
    public TaskName name() {
        return TaskName.parse(fullName);
    }
}
