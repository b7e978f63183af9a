package io.baton.digdag.client;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.OffsetDateTime;

/** Digdag's RestSession: one per project, workflow name and session time. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Session(String id, ProjectRef project, WorkflowRef workflow, String sessionUuid,
                      @JsonFormat(shape = JsonFormat.Shape.STRING, pattern = SessionTimes.PATTERN,
                              without = JsonFormat.Feature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                      OffsetDateTime sessionTime,
                      LastAttempt lastAttempt) {

    /** The session's latest attempt, in Digdag's short form: no index and no status. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record LastAttempt(String id, String retryAttemptName, boolean done, boolean success,
                              boolean cancelRequested, JsonNode params, Instant createdAt, Instant finishedAt) {
    }
}
