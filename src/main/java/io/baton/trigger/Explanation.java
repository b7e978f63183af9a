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
 * one, and the events the rule failed to evaluate. {@code held_back}: the run waits for the previous downstream
 * session to succeed ({@code dependsOnPast}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Explanation(String rule, String correlationKey, String status, List<Satisfied> satisfied,
                         List<String> missing, Condition condition, boolean windowExpired, Run run,
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
        return new Explanation(rule, correlationKey, status, satisfied, missing, condition, windowExpired, run, errors,
                downstream);
    }

    public record Satisfied(String upstream, String sessionTime, String attemptId, OffsetDateTime finishedAt,
                            OffsetDateTime satisfiedAt, String eventId) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Run(long id, String downstreamSession, String state, boolean manual, String requestedBy,
                      OffsetDateTime createdAt, OffsetDateTime startedAt, String attemptId, String attemptUrl,
                      int tries, String lastError, String heldBack) {
    }

    public record Failure(String eventId, String upstreamSession, String error, OffsetDateTime failedAt) {
    }

    /** Failures of evaluations whose correlation key could not even be computed. */
    static Explanation ofFailures(Rule rule, List<EvaluationError> errors) {
        return new Explanation(rule.name(), null, EVALUATION_FAILED, List.of(), List.of(), null, false, null,
                failures(errors), null);
    }

    static Explanation of(Rule rule, Evaluation evaluation, TriggerRun run, List<EvaluationError> errors) {
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
                run.attemptId, run.attemptUrl, run.tries, run.lastError, run.heldBack), failures(errors), null);
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
