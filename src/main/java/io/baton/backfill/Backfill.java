package io.baton.backfill;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A backfill as {@code GET /api/v1/rules/{name}/backfills/{id}} shows it: the plan, one decision per downstream
 * session, and how far the starts have come (read from the trigger ledger).
 *
 * @param state    {@code planning} (reading Digdag's history), {@code planned} (a dry run's plan is ready),
 *                 {@code starting} (starts wait for admission or run), {@code done}, or {@code failed} (see error)
 * @param requests calls sent to Digdag to read its history
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Backfill(long id, String rule, String from, String to, boolean dryRun, String state,
                       String requestedBy, OffsetDateTime createdAt, OffsetDateTime plannedAt, Integer requests,
                       String error, Summary summary, List<SessionPlan> sessions) {

    public static final String START = "start";
    public static final String ALREADY_RAN = "already-ran";
    public static final String NOT_SATISFIED = "not-satisfied";

    /**
     * One downstream session.
     *
     * @param decision  {@code start}, {@code already-ran} (skipped) or {@code not-satisfied} (skipped, see reason)
     * @param attemptId the attempt that ran it: Digdag's for already-ran, the backfill's once started
     * @param runState  the trigger ledger's state of the backfill's run (pending, starting, started, ...)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SessionPlan(String session, String decision, String reason, String attemptId, Long runId,
                              String runState) {
    }

    /**
     * Counts of the plan and of the starts: {@code started} attempts were started (or found), {@code waiting} ones
     * wait for admission or are being started, {@code failed} ones could not be started.
     */
    public record Summary(int sessions, int toStart, int alreadyRan, int notSatisfied, int started, int waiting,
                          int failed) {
    }
}
