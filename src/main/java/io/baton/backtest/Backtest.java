package io.baton.backtest;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;

/**
 * What a rule would have done over past sessions, next to what really happened.
 *
 * @param sessions one row per downstream session, oldest first
 * @param requests calls sent to Digdag to read its history
 */
public record Backtest(String rule, String from, String to, List<SessionRow> sessions, Summary summary,
                       int requests) {

    /**
     * One downstream session.
     *
     * @param wouldFireAt        when the rule would have started it; null if it never would have
     * @param startedAt          when its first attempt really started (schedule or manual); null if it never did
     * @param gainedSeconds      {@code startedAt - wouldFireAt}: positive when the rule would have started it earlier
     * @param startedBeforeUpstreams the downstream ran before its upstreams were done (or without them)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SessionRow(String downstreamSession, List<UpstreamRow> upstreams, Instant wouldFireAt,
                             Instant startedAt, String attemptId, Long gainedSeconds, boolean startedBeforeUpstreams,
                             boolean neverFired) {
    }

    /** When one upstream condition was satisfied for the session; null when it never was. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UpstreamRow(String id, List<String> sessionTimes, Instant satisfiedAt) {
    }

    /**
     * @param startedBeforeUpstreams sessions the clock started on missing data: the dangerous case
     * @param neverFired             sessions the rule would never have fired (an upstream failed or is missing)
     */
    public record Summary(int sessions, List<String> startedBeforeUpstreams, List<String> neverFired,
                          Double gainedMinutesMedian, Double gainedMinutesP90) {
    }
}
