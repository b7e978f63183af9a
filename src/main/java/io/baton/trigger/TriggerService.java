package io.baton.trigger;

import io.baton.events.DigdagCompletion;
import io.baton.problem.ProblemException;
import io.baton.rules.Rule;
import io.baton.rules.RuleService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Turns events into satisfied conditions and, when a rule's upstreams are met inside its window, into exactly one
 * ledger row per rule and downstream session; {@link DownstreamStarter} then starts the downstream attempt.
 */
@ApplicationScoped
public class TriggerService {

    @Inject
    RuleIndex index;

    @Inject
    RuleService rules;

    @Inject
    DownstreamStarter starter;

    @Inject
    TriggerConfig config;

    @Inject
    MeterRegistry registry;

    private Counter consumed;
    private Counter matched;

    @PostConstruct
    void metrics() {
        consumed = registry.counter("baton.trigger.events.consumed");
        matched = registry.counter("baton.trigger.events.matched");
    }

    /** Handles one event; safe to call again with the same event (it is recorded once). */
    public void onEvent(UpstreamEvent event) {
        consumed.increment();
        List<RuleIndex.Candidate> candidates = index.match(event);
        if (candidates.isEmpty()) {
            return;
        }
        matched.increment();
        List<Long> toStart = new ArrayList<>();
        for (RuleIndex.Candidate candidate : candidates) {
            Rule rule = candidate.rule();
            if (predatesRule(rule, event)) {
                continue;
            }
            OffsetDateTime sessionTime = event.sessionTimeIn(rule.correlation());
            QuarkusTransaction.requiringNew()
                    .call(() -> satisfy(rule, candidate.upstream().id(), sessionTime, event))
                    .ifPresent(toStart::add);
        }
        toStart.forEach(starter::startSoon);
    }

    /** A new rule does not fire for upstreams that finished long before it existed (e.g. a replayed topic). */
    private boolean predatesRule(Rule rule, UpstreamEvent event) {
        return rule.createdAt() != null
                && event.finishedAt().isBefore(rule.createdAt().toInstant().minus(config.historyGrace()));
    }

    private Optional<Long> satisfy(Rule rule, String upstreamId, OffsetDateTime sessionTime, UpstreamEvent event) {
        String key = rule.correlation().key(sessionTime);
        TriggerCondition.lock(rule.name(), key);
        if (!TriggerCondition.record(rule.name(), key, upstreamId, event, sessionTime)) {
            return Optional.empty();
        }
        Evaluation evaluation = Evaluation.of(rule, key, TriggerCondition.of(rule.name(), key));
        if (!evaluation.ready()) {
            return Optional.empty();
        }
        return TriggerRun.open(rule.name(), key, DigdagCompletion.formatSessionTime(evaluation.downstreamSession(rule)),
                evaluation.lastFinishedAt(), false, null, Instant.now().plus(config.resumeAfter()));
    }

    /** Fires a rule by hand for a session, through the same ledger: a session fires once, however it is asked. */
    public TriggerRun fire(String ruleName, String session, String requestedBy) {
        Rule rule = rules.get(ruleName);
        String key = keyOf(rule, session);
        OffsetDateTime downstream = rule.correlation().downstreamSessionTime(sessionTime(rule, session));
        long runId = QuarkusTransaction.requiringNew().call(() -> {
            TriggerCondition.lock(rule.name(), key);
            return TriggerRun.open(rule.name(), key, DigdagCompletion.formatSessionTime(downstream), null, true, requestedBy,
                            Instant.now().plus(config.resumeAfter()))
                    .orElseThrow(() -> ProblemException.conflict("rule '" + ruleName + "' already fired for session "
                            + session, List.of()));
        });
        starter.start(runId);
        return QuarkusTransaction.requiringNew().call(() -> TriggerRun.findById(runId));
    }

    /** Where the rule stands for a session: what is satisfied, what is missing, and the ledger row if it fired. */
    public Explanation explain(String ruleName, String session) {
        Rule rule = rules.get(ruleName);
        String key = keyOf(rule, session);
        return QuarkusTransaction.requiringNew().call(() -> {
            Evaluation evaluation = Evaluation.of(rule, key, TriggerCondition.of(rule.name(), key));
            return Explanation.of(rule, evaluation, TriggerRun.forKey(rule.name(), key).orElse(null));
        });
    }

    /**
     * Where each rule stands on each date (the session at 00:00 of that date in the rule's correlation zone), read
     * with one query for the conditions and one for the runs: the console's view of a day or of a rule's last days.
     */
    public List<Explanation> explainDays(List<Rule> rules, List<LocalDate> dates) {
        if (rules.isEmpty() || dates.isEmpty()) {
            return List.of();
        }
        Map<Rule, List<String>> keys = new LinkedHashMap<>();
        for (Rule rule : rules) {
            keys.put(rule, dates.stream().map(date -> keyOf(rule, date.toString())).toList());
        }
        List<String> names = rules.stream().map(Rule::name).toList();
        List<String> allKeys = keys.values().stream().flatMap(List::stream).distinct().toList();
        return QuarkusTransaction.requiringNew().call(() -> {
            Map<String, List<TriggerCondition>> conditions = TriggerCondition.<TriggerCondition>list(
                            "ruleName in ?1 and correlationKey in ?2 order by finishedAt, id", names, allKeys).stream()
                    .collect(Collectors.groupingBy(c -> c.ruleName + "\n" + c.correlationKey));
            Map<String, TriggerRun> runs = TriggerRun.<TriggerRun>list("ruleName in ?1 and correlationKey in ?2",
                    names, allKeys).stream().collect(Collectors.toMap(r -> r.ruleName + "\n" + r.correlationKey,
                    r -> r, (first, second) -> first));
            List<Explanation> explanations = new ArrayList<>();
            keys.forEach((rule, ruleKeys) -> ruleKeys.forEach(key -> {
                String id = rule.name() + "\n" + key;
                explanations.add(Explanation.of(rule, Evaluation.of(rule, key, conditions.getOrDefault(id, List.of())),
                        runs.get(id)));
            }));
            return explanations;
        });
    }

    /** The rule's runs whose downstream session lies in [from, to). */
    public List<Explanation> runs(String ruleName, OffsetDateTime from, OffsetDateTime to) {
        Rule rule = rules.get(ruleName);
        return QuarkusTransaction.requiringNew().call(() -> TriggerRun.<TriggerRun>list(
                        "ruleName = ?1 order by createdAt desc", rule.name()).stream()
                .filter(run -> inRange(OffsetDateTime.parse(run.downstreamSession), from, to))
                .map(run -> Explanation.of(rule,
                        Evaluation.of(rule, run.correlationKey, TriggerCondition.of(rule.name(), run.correlationKey)), run))
                .toList());
    }

    private static boolean inRange(OffsetDateTime t, OffsetDateTime from, OffsetDateTime to) {
        return (from == null || !t.isBefore(from)) && (to == null || t.isBefore(to));
    }

    /** The correlation key of a session given as a date ({@code 2026-11-24}) or a timestamp with offset. */
    String keyOf(Rule rule, String session) {
        return rule.correlation().key(sessionTime(rule, session));
    }

    /** A date is taken at 00:00 in the rule's correlation zone. */
    static OffsetDateTime sessionTime(Rule rule, String session) {
        if (session == null || session.isBlank()) {
            throw ProblemException.invalid("session", "required: a date such as 2026-11-24 or a timestamp with offset");
        }
        try {
            return session.length() == 10
                    ? LocalDate.parse(session).atStartOfDay(rule.correlation().zoneId()).toOffsetDateTime()
                    : OffsetDateTime.parse(session);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid("session", "not a date (2026-11-24) or a timestamp with offset: " + session);
        }
    }
}
