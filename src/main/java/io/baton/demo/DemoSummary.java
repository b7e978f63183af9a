package io.baton.demo;

import io.baton.trigger.TriggerOutcomes.DeadlineData;
import io.baton.trigger.TriggerOutcomes.TriggerData;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * What a demo run saw: completion events by CloudEvents type, the rule's trigger outcomes and alerts as they came
 * from Kafka, how many {@code bi/daily_report} attempts Digdag holds per session date, and per date the upstream
 * workflow ({@code project/workflow}) whose load finished last.
 */
public record DemoSummary(List<LocalDate> days, Map<String, Long> eventsByType, List<TriggerData> triggers,
                          List<DeadlineData> alerts, Map<LocalDate, Long> reportAttempts,
                          Map<LocalDate, String> lastUpstreams, Duration duration) {

    public long events() {
        return eventsByType.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Upstream finished → downstream started, in milliseconds. */
    public LongSummaryStatistics latency() {
        return latency(triggers.stream());
    }

    /** The latency of the triggers whose last upstream notified Baton ({@code pushed}) or was polled. */
    public LongSummaryStatistics latency(boolean pushed) {
        return latency(triggers.stream().filter(t -> pushed == DemoScenario.PUSHED.equals(
                lastUpstreams.get(LocalDate.parse(t.correlationKey())))));
    }

    private static LongSummaryStatistics latency(Stream<TriggerData> triggers) {
        return triggers.map(TriggerData::latencyMillis).filter(Objects::nonNull)
                .mapToLong(Long::longValue).summaryStatistics();
    }
}
