package io.baton.trigger;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.baton.rules.Rule;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * Why a rule has or has not fired for a correlation key: the satisfied upstreams with when and by which session,
 * the missing ones, and the ledger row (the run) if there is one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Explanation(String rule, String correlationKey, String status, List<Satisfied> satisfied,
                         List<String> missing, boolean windowExpired, Run run, RealStart downstream) {

    /**
     * How the downstream session really started beside a shadow run (by its schedule or by hand); {@code attemptId}
     * null while it has not.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RealStart(String attemptId, Instant startedAt, String status) {
    }

    Explanation withDownstream(RealStart downstream) {
        return new Explanation(rule, correlationKey, status, satisfied, missing, windowExpired, run, downstream);
    }

    public record Satisfied(String upstream, String sessionTime, String attemptId, OffsetDateTime finishedAt,
                            OffsetDateTime satisfiedAt, String eventId) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Run(long id, String downstreamSession, String state, boolean manual, String requestedBy,
                      OffsetDateTime createdAt, OffsetDateTime startedAt, String attemptId, String attemptUrl,
                      int tries, String lastError) {
    }

    static Explanation of(Rule rule, Evaluation evaluation, TriggerRun run) {
        List<Satisfied> satisfied = evaluation.satisfied().values().stream().flatMap(List::stream)
                .map(c -> new Satisfied(c.upstreamId, c.sessionTime, c.attemptId, c.finishedAt, c.satisfiedAt, c.eventId))
                .toList();
        String status;
        if (run != null) {
            status = run.state;
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
                null);
    }
}
