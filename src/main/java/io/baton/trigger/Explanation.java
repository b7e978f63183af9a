package io.baton.trigger;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.baton.rules.Rule;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * Why a rule has or has not fired for a correlation key: the satisfied upstreams with when and by which session,
 * the missing ones, the ledger row (the run) if there is one, and the events the rule failed to evaluate.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Explanation(String rule, String correlationKey, String status, List<Satisfied> satisfied,
                         List<String> missing, boolean windowExpired, Run run,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Failure> errors) {

    public static final String EVALUATION_FAILED = "evaluation_failed";

    public record Satisfied(String upstream, String sessionTime, String attemptId, OffsetDateTime finishedAt,
                            OffsetDateTime satisfiedAt, String eventId) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Run(long id, String downstreamSession, String state, boolean manual, String requestedBy,
                      OffsetDateTime createdAt, OffsetDateTime startedAt, String attemptId, String attemptUrl,
                      int tries, String lastError) {
    }

    public record Failure(String eventId, String upstreamSession, String error, OffsetDateTime failedAt) {
    }

    /** Failures of evaluations whose correlation key could not even be computed. */
    static Explanation ofFailures(Rule rule, List<EvaluationError> errors) {
        return new Explanation(rule.name(), null, EVALUATION_FAILED, List.of(), List.of(), false, null, failures(errors));
    }

    static Explanation of(Rule rule, Evaluation evaluation, TriggerRun run, List<EvaluationError> errors) {
        List<Satisfied> satisfied = evaluation.satisfied().values().stream().flatMap(List::stream)
                .map(c -> new Satisfied(c.upstreamId, c.sessionTime, c.attemptId, c.finishedAt, c.satisfiedAt, c.eventId))
                .toList();
        String status;
        if (run != null) {
            status = run.state;
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
                evaluation.expired(), run == null ? null : new Run(run.id, run.downstreamSession, run.state, run.manual,
                run.requestedBy, run.createdAt, run.startedAt, run.attemptId, run.attemptUrl, run.tries, run.lastError),
                failures(errors));
    }

    private static List<Failure> failures(List<EvaluationError> errors) {
        return errors.stream().map(e -> new Failure(e.eventId, e.upstreamSession, e.error, e.failedAt)).toList();
    }
}
