package io.baton.trigger;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.baton.rules.Rule;
import io.baton.rules.RuleExpressions;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Why a rule has or has not fired for a correlation key: the satisfied upstreams with when and by which session,
 * the missing ones, the rule's condition with the value of each upstream in it, the ledger row (the run) if there is
 * one, the re-runs of its upstreams seen after it fired ({@code onUpstreamRerun}: what each notified or reran),
 * and the events the rule failed to evaluate. {@code held_back}: the run waits for the previous downstream session
 * to succeed ({@code dependsOnPast}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Explanation(String rule, String correlationKey, String status, List<Satisfied> satisfied,
                         List<String> missing, Condition condition, boolean windowExpired, Run run,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Rerun> reruns,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Failure> errors, RealStart downstream) {

    public static final String EVALUATION_FAILED = "evaluation_failed";

    /** A rule's CEL condition, the value of each name in it (an upstream id with {@code _} for {@code -}), and its result. */
    public record Condition(String expression, Map<String, Boolean> values, boolean result) {
    }

    /**
     * How the downstream session really started beside a shadow run (by its schedule or by hand); {@code attemptId}
     * null while it has not.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RealStart(String attemptId, Instant startedAt, String status) {
    }

    Explanation withDownstream(RealStart downstream) {
        return new Explanation(rule, correlationKey, status, satisfied, missing, condition, windowExpired, run, reruns,
                errors, downstream);
    }

    public record Satisfied(String upstream, String sessionTime, String attemptId, OffsetDateTime finishedAt,
                            OffsetDateTime satisfiedAt, String eventId) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Run(long id, String downstreamSession, String state, boolean manual, String requestedBy,
                      OffsetDateTime createdAt, OffsetDateTime startedAt, String attemptId, String attemptUrl,
                      int tries, String lastError, String heldBack) {
    }

    /**
     * An upstream that ran again for the session after the rule fired, and what the rule did about it.
     *
     * @param action             {@code notify} or {@code rerun}
     * @param state              {@code notified}; or the rerun's: pending, starting, started, coalesced, skipped, failed
     * @param upstream           {@code server/project/workflow[/task]} that ran again
     * @param upstreamAttemptId  its new attempt, the one that caused this
     * @param previousAttemptId  its attempt that had satisfied the rule before
     * @param seenAt             when Baton saw the re-run
     * @param attemptId          the downstream attempt: that a rerun started (or that covers it), or for notify the
     *                           one that ran on the old data
     * @param detail             why it waits, was skipped or failed
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Rerun(long id, String action, String state, String upstream, String upstreamAttemptId,
                        String previousAttemptId, OffsetDateTime upstreamFinishedAt, OffsetDateTime seenAt,
                        String attemptId, String attemptUrl, OffsetDateTime startedAt, String detail) {
    }

    public record Failure(String eventId, String upstreamSession, String error, OffsetDateTime failedAt) {
    }

    /** Failures of evaluations whose correlation key could not even be computed. */
    static Explanation ofFailures(Rule rule, List<EvaluationError> errors) {
        return new Explanation(rule.name(), null, EVALUATION_FAILED, List.of(), List.of(), null, false, null,
                List.of(), failures(errors), null);
    }

    static Explanation of(Rule rule, Evaluation evaluation, TriggerRun run, List<TriggerRerun> reruns,
                          List<EvaluationError> errors) {
        List<Satisfied> satisfied = evaluation.satisfied().values().stream().flatMap(List::stream)
                .map(c -> new Satisfied(c.upstreamId, RuleKeyRow.written(c.sessionTime), c.attemptId, c.finishedAt,
                        c.satisfiedAt, c.eventId))
                .toList();
        String status;
        if (run != null) {
            status = TriggerRun.PENDING.equals(run.state) && run.heldBack != null ? "held_back" : run.state;
        } else if (!errors.isEmpty()) {
            status = EVALUATION_FAILED;
        } else if (evaluation.expired()) {
            status = "window_expired";
        } else if (evaluation.met()) {
            status = "ready";
        } else {
            status = "waiting";
        }
        return new Explanation(rule.name(), evaluation.correlationKey(), status, satisfied, evaluation.missing(),
                condition(rule, evaluation), evaluation.expired(), run == null ? null : new Run(run.id,
                run.session(), run.state, run.manual, run.requestedBy, run.createdAt, run.startedAt,
                run.attemptId, run.attemptUrl, run.tries, run.lastError, run.heldBack), reruns(run, reruns),
                failures(errors), null);
    }

    private static List<Rerun> reruns(TriggerRun run, List<TriggerRerun> reruns) {
        if (run == null) {
            return List.of(); // re-runs are seen only after the rule fired
        }
        return reruns.stream().map(r -> new Rerun(r.id, r.action, r.state, r.upstreamSubject, r.upstreamAttemptId,
                r.previousAttemptId, r.upstreamFinishedAt, r.createdAt,
                r.attemptId != null ? r.attemptId : TriggerRerun.NOTIFIED.equals(r.state) ? run.attemptId : null,
                r.attemptUrl != null ? r.attemptUrl : TriggerRerun.NOTIFIED.equals(r.state) ? run.attemptUrl : null,
                r.startedAt, r.detail)).toList();
    }

    private static List<Failure> failures(List<EvaluationError> errors) {
        return errors.stream().map(e -> new Failure(e.eventId, e.upstreamSession, e.error, e.failedAt)).toList();
    }

    private static Condition condition(Rule rule, Evaluation evaluation) {
        if (rule.condition() == null) {
            return null;
        }
        Map<String, Boolean> values = new LinkedHashMap<>();
        evaluation.values().forEach((id, value) -> values.put(RuleExpressions.identifier(id), value));
        return new Condition(rule.condition(), values, evaluation.met());
    }
}
