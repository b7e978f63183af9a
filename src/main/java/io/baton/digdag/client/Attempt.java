package io.baton.digdag.client;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * Digdag's RestSessionAttempt.
 *
 * @param index       1-based position of the attempt in its session
 * @param sessionTime in the workflow's time zone; the offset is kept as Digdag wrote it
 * @param status      derived by Digdag: {@code success}, {@code killed}, {@code error} or {@code running}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Attempt(String id, int index, ProjectRef project, WorkflowRef workflow, String sessionId,
                      String sessionUuid,
                      @JsonFormat(shape = JsonFormat.Shape.STRING, pattern = SessionTimes.PATTERN,
                              without = JsonFormat.Feature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                      OffsetDateTime sessionTime,
                      String retryAttemptName, boolean done, boolean success, boolean cancelRequested,
                      JsonNode params, Instant createdAt, Instant finishedAt, String status) {

    public static final String RUNNING = "running";
    public static final String SUCCESS = "success";
    public static final String ERROR = "error";
    public static final String KILLED = "killed";

    /** Digdag's own rule for {@code status}, from the done, success and cancel-requested flags. */
    public static String status(boolean done, boolean success, boolean cancelRequested) {
        if (success) {
            return SUCCESS;
        }
        if (done) {
            return cancelRequested ? KILLED : ERROR;
        }
        return RUNNING;
    }
}
