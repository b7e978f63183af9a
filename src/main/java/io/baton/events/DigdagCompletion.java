package io.baton.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.time.LocalDate;

/**
 * The data of a Digdag completion event (schema: {@code docs/events/digdag-completion.schema.json}).
 *
 * @param task        full name of the task, null for an attempt event
 * @param taskId      Digdag's id of the task, null for an attempt event; a retried group repeats full names, not ids
 * @param sessionUuid Digdag's UUID of the session: unlike ids, it is never reused by a rebuilt or restarted server
 * @param sessionTime as Digdag writes it: ISO-8601 with the workflow's offset, e.g. {@code 2026-11-24T00:00:00+09:00}
 * @param sessionDate the calendar date of the session time in its own offset
 * @param state       the task state (success, error, group_error, canceled) or attempt status (success, error, killed)
 * @param copiedFrom  for a task that a resumed attempt copied as already successful (it did not run again): the id of
 *                    the earlier attempt where it ran; null otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record DigdagCompletion(String server, String project, String workflow, String task, String taskId,
                               String attemptId, String sessionId, String sessionUuid, String sessionTime,
                               LocalDate sessionDate, String state, String retryAttemptName, Instant startedAt,
                               Instant finishedAt, String attemptUrl, String error, String copiedFrom) {

    public static final String TYPE_PREFIX = "io.baton.digdag.";

    @JsonIgnore
    public boolean isTask() {
        return task != null;
    }

    /** {@code server/project/workflow}: the Kafka key, so one workflow's events stay ordered. */
    public String workflowKey() {
        return server + "/" + project + "/" + workflow;
    }

    /** CloudEvents type, e.g. {@code io.baton.digdag.task.succeeded}. */
    public String type() {
        return TYPE_PREFIX + (isTask() ? "task." : "attempt.") + outcome();
    }

    /** succeeded, failed, canceled (tasks) or killed (attempts). */
    public String outcome() {
        return switch (state) {
            case "success" -> "succeeded";
            case "error", "group_error" -> "failed";
            case "canceled" -> "canceled";
            case "killed" -> "killed";
            default -> throw new IllegalStateException("not a terminal state: " + state);
        };
    }

    /** The same transition always gets the same id. */
    public String eventId() {
        return eventId(server, sessionUuid, attemptId, taskId, state);
    }

    /**
     * {@code server/sessionUuid/attempts/attemptId[/tasks/taskId]/state}: Digdag's ids are unique on one server only
     * while it keeps its database, the session UUID tells a rebuilt server's attempt 1 from the old one's.
     */
    public static String eventId(String server, String sessionUuid, String attemptId, String taskId, String state) {
        return attemptKey(server, sessionUuid, attemptId) + (taskId != null ? "/tasks/" + taskId : "") + "/" + state;
    }

    /** {@code server/sessionUuid/attempts/attemptId}: the attempt, told apart from one of a rebuilt server. */
    @JsonIgnore
    public String attemptKey() {
        return attemptKey(server, sessionUuid, attemptId);
    }

    private static String attemptKey(String server, String sessionUuid, String attemptId) {
        return server + "/" + sessionUuid + "/attempts/" + attemptId;
    }

    @JsonIgnore
    public boolean isCopy() {
        return copiedFrom != null;
    }

    public String subject() {
        return project + "/" + workflow + (isTask() ? "/" + task : "");
    }
}
