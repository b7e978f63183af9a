package io.baton.digdag.client;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The {@code resume} part of {@link StartRequest}: re-run part of an earlier attempt of the same session. Digdag
 * needs a new {@code retryAttemptName} with it.
 *
 * @param mode {@link #FAILED}: copy the tasks that succeeded and re-run the rest (a 400 if the attempt succeeded);
 *             {@link #FROM}: keep everything before the task {@code from} (a full name) and re-run from it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Resume(String attemptId, String mode, String from) {

    public static final String FAILED = "failed";
    public static final String FROM = "from";

    public static Resume failed(String attemptId) {
        return new Resume(attemptId, FAILED, null);
    }

    public static Resume from(String attemptId, String fullName) {
        return new Resume(attemptId, FROM, fullName);
    }
}
