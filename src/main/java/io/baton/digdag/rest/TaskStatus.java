package io.baton.digdag.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.baton.digdag.client.Attempt;

import java.time.Instant;

/**
 * A task's latest state in the latest attempt of its session.
 *
 * @param task          the task's full name, e.g. {@code +etl+load}
 * @param state         Digdag's task state: {@code blocked}, {@code running}, {@code success}, {@code error}, ...
 * @param done          whether the state is final
 * @param attemptIndex  1 for the first attempt, 2 for the first retry, ...; absent when the state came from an event
 * @param attemptStatus the attempt's status; absent when the state came from an event
 * @param updatedAt     the last state change, to the second; for a done task its finish time
 * @param error         the task's error message, if it failed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskStatus(String server, String project, String workflow, String sessionTime, String task,
                         String state, boolean done, String attemptId, Integer attemptIndex, String attemptStatus,
                         Instant startedAt, Instant updatedAt, String error, String attemptUrl) {

    /** The attempt ended; a task that is still not done will not run in it any more. */
    public boolean attemptEnded() {
        return attemptStatus != null && !Attempt.RUNNING.equals(attemptStatus);
    }
}
