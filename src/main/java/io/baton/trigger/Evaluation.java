package io.baton.trigger;

import io.baton.rules.Match;
import io.baton.rules.Rule;
import io.baton.rules.RuleExpressions;
import io.baton.rules.Upstream;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a rule stands for one correlation key, from the conditions recorded so far: which upstreams are satisfied,
 * whether the rule may fire, and for which downstream session.
 *
 * @param values  whether each upstream is satisfied, by upstream id in the rule's order (what a condition sees)
 * @param expired the upstreams were satisfied further apart than the rule's window
 */
public record Evaluation(String rule, String correlationKey, Map<String, List<TriggerCondition>> satisfied,
                         List<String> missing, Map<String, Boolean> values, boolean met, boolean expired,
                         Instant lastFinishedAt) {

    public boolean ready() {
        return met && !expired;
    }

    static Evaluation of(Rule rule, String key, List<TriggerCondition> conditions, RuleExpressions expressions) {
        Map<String, List<TriggerCondition>> byUpstream = new LinkedHashMap<>();
        for (TriggerCondition condition : conditions) {
            byUpstream.computeIfAbsent(condition.upstreamId, k -> new ArrayList<>()).add(condition);
        }
        Optional<Set<Instant>> expected = expectedSessions(rule, key);
        List<String> missing = new ArrayList<>();
        Map<String, Boolean> values = new LinkedHashMap<>();
        for (Upstream upstream : rule.upstreams()) {
            List<TriggerCondition> recorded = byUpstream.getOrDefault(upstream.id(), List.of());
            boolean complete = expected
                    .map(sessions -> recorded.stream().map(c -> c.upstreamSession).collect(Collectors.toSet()).containsAll(sessions))
                    .orElse(!recorded.isEmpty());
            values.put(upstream.id(), complete);
            if (!complete) {
                missing.add(upstream.id());
            }
        }
        boolean met = rule.condition() != null ? expressions.condition(rule.condition(), values)
                : rule.match() == Match.ANY ? missing.size() < rule.upstreams().size() : missing.isEmpty();
        Instant first = conditions.stream().map(TriggerCondition::finishedInstant).min(Comparator.naturalOrder()).orElse(null);
        Instant last = conditions.stream().map(TriggerCondition::finishedInstant).max(Comparator.naturalOrder()).orElse(null);
        // A condition is held to the window as "all" is: what it combines must have happened close together.
        boolean expired = rule.match() != Match.ANY && first != null
                && Duration.between(first, last).compareTo(rule.windowDuration()) > 0;
        return new Evaluation(rule.name(), key, byUpstream, missing, values, met, expired, last);
    }

    /** With an hourly (or other) {@code upstreamEvery}: the upstream session instants the key's day must have. */
    private static Optional<Set<Instant>> expectedSessions(Rule rule, String key) {
        if (rule.correlation().upstreamEvery() == null) {
            return Optional.empty();
        }
        return rule.correlation().upstreamSessionsOn(LocalDate.parse(key))
                .map(times -> times.stream().map(t -> Satisfaction.stored(t.toInstant())).collect(Collectors.toSet()));
    }

    /** The downstream session the rule starts, from the upstream session of the latest satisfied condition. */
    OffsetDateTime downstreamSession(Rule rule) {
        return rule.correlation().downstreamSessionTime(latest().sessionTime);
    }

    TriggerCondition latest() {
        return satisfied.values().stream().flatMap(List::stream)
                .max(Comparator.comparing(TriggerCondition::finishedInstant)).orElseThrow();
    }
}
