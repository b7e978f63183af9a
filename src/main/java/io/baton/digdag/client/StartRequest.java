package io.baton.digdag.client;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.OffsetDateTime;
import java.util.Map;

/**
 * Body of {@code PUT /api/attempts}. A session is one workflow name and session time; a second start of the same
 * session needs a new {@code retryAttemptName}, otherwise Digdag answers 409 with the existing attempt.
 *
 * @param workflowId       id of a workflow definition (of the revision to run)
 * @param params           required by Digdag, may be empty
 * @param retryAttemptName null for the first attempt of a session
 * @param resume           null, or re-run only the failed part of an earlier attempt of the session
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StartRequest(String workflowId,
                           @JsonFormat(shape = JsonFormat.Shape.STRING, pattern = SessionTimes.PATTERN)
                           OffsetDateTime sessionTime,
                           Map<String, Object> params, String retryAttemptName, Resume resume) {

    public StartRequest {
        params = params == null ? Map.of() : params;
    }

    public static StartRequest of(String workflowId, OffsetDateTime sessionTime, Map<String, Object> params) {
        return new StartRequest(workflowId, sessionTime, params, null, null);
    }
}
