package io.baton.demo;

import io.baton.trigger.TriggerOutcomes.DeadlineData;
import io.baton.trigger.TriggerOutcomes.TriggerData;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.util.Objects;

/**
 * What a demo run saw: completion events by CloudEvents type, the rule's trigger outcomes and alerts as they came
 * from Kafka, and how many {@code bi/daily_report} attempts Digdag holds per session date.
 */
public record DemoSummary(List<LocalDate> days, Map<String, Long> eventsByType, List<TriggerData> triggers,
                          List<DeadlineData> alerts, Map<LocalDate, Long> reportAttempts, Duration duration) {

    public long events() {
        return eventsByType.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Upstream finished → downstream started, in milliseconds. */
    public LongSummaryStatistics latency() {
        return triggers.stream().map(TriggerData::latencyMillis).filter(Objects::nonNull)
                .mapToLong(Long::longValue).summaryStatistics();
    }
}
