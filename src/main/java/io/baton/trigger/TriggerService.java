package io.baton.trigger;

import io.baton.persistence.TransientFailures;
import io.baton.audit.AuditLog;
import io.baton.digdag.client.SessionTimeParam;
import io.baton.digdag.client.SessionTimes;
import io.baton.problem.InputLimits;
import io.baton.problem.ProblemException;
import io.baton.rules.Rule;
import io.baton.rules.RuleExpressions;
import io.baton.rules.RuleService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns events into satisfied conditions and, when a rule's upstreams are met inside its window, into exactly one
 * ledger row per rule and downstream session; {@link DownstreamStarter} then starts the downstream attempt.
 */
@ApplicationScoped
public class TriggerService {

    private static final Logger LOG = Logger.getLogger(TriggerService.class);

    @Inject
    RuleIndex index;

    @Inject
    RuleService rules;

    @Inject
    DownstreamStarter starter;

    @Inject
    UpstreamReruns reruns;

    @Inject
    TriggerConfig config;

    @Inject
    TriggerOutcomes outcomes;

    @Inject
    RuleExpressions expressions;

    @Inject
    MeterRegistry registry;

    @Inject
    AuditLog audit;

    private Counter consumed;
    private Counter matched;

    @PostConstruct
    void metrics() {
        consumed = registry.counter("baton.trigger.events.consumed");
        matched = registry.counter("baton.trigger.events.matched");
    }

    /** Counts events read that no rule waits on, which the consumer therefore did not hand over. */
    void skipped(int events) {
        consumed.increment(events);
    }

    /**
     * Handles one event, as {@link #onEvents} does; throws what makes it impossible to process at all.
     */
    public void onEvent(UpstreamEvent event) {
        RuntimeException failure = onEvents(List.of(event)).get(event);
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Handles a batch of events in their order, with one transaction for all the conditions and ledger rows they
     * cause; safe to call again with the same events (each is recorded once). When anything in the batch fails for a
     * reason no retry changes, that transaction is rolled back and the events are handled one by one, so that the
     * failure stays with its rule ({@link #recordFailure}) or its event. A transient failure (PostgreSQL down) fails
     * the whole batch, so that it is tried again.
     *
     * @return the events (by identity) that cannot be processed at all, with why
     */
    public Map<UpstreamEvent, RuntimeException> onEvents(List<UpstreamEvent> events) {
        Map<UpstreamEvent, RuntimeException> failures = new IdentityHashMap<>();
        try {
            handleTogether(events);
        } catch (RuntimeException e) {
            if (TransientFailures.isTransient(e)) {
                throw e;
            }
            LOG.warnf("a batch of %d events failed and is handled event by event: %s", events.size(), e);
            for (UpstreamEvent event : events) {
                try {
                    handleAlone(event);
                } catch (RuntimeException failure) {
                    if (TransientFailures.isTransient(failure)) {
                        throw failure;
                    }
                    failures.put(event, failure);
                }
            }
        }
        consumed.increment(events.size());
        return failures;
    }

    private void handleTogether(List<UpstreamEvent> events) {
        List<Satisfaction> satisfactions = new ArrayList<>();
        int matching = 0;
        for (UpstreamEvent event : events) {
            List<RuleIndex.Candidate> candidates = candidates(event);
            matching += candidates.isEmpty() ? 0 : 1;
            for (RuleIndex.Candidate candidate : candidates) {
                if (!predatesRule(candidate.rule(), event)) {
                    satisfactions.add(Satisfaction.of(candidate.rule(), candidate.upstream().id(), event));
                }
            }
        }
        List<Long> toStart = satisfactions.isEmpty() ? List.of()
                : QuarkusTransaction.requiringNew().call(() -> satisfy(satisfactions));
        matched.increment(matching);
        toStart.forEach(starter::startSoon);
    }

    /** Each rule evaluates the event in its own transaction; one failing for good has it recorded, the others go on. */
    private void handleAlone(UpstreamEvent event) {
        List<RuleIndex.Candidate> candidates = candidates(event);
        if (candidates.isEmpty()) {
            return;
        }
        matched.increment();
        List<Long> toStart = new ArrayList<>();
        for (RuleIndex.Candidate candidate : candidates) {
            try {
                if (!predatesRule(candidate.rule(), event)) {
                    Satisfaction satisfaction = Satisfaction.of(candidate.rule(), candidate.upstream().id(), event);
                    toStart.addAll(QuarkusTransaction.requiringNew().call(() -> satisfy(List.of(satisfaction))));
                }
            } catch (RuntimeException e) {
                if (TransientFailures.isTransient(e)) {
                    throw e;
                }
                recordFailure(candidate.rule(), event, e);
            }
        }
        toStart.forEach(starter::startSoon);
    }

    private List<RuleIndex.Candidate> candidates(UpstreamEvent event) {
        if (event.isDigdag() && event.completion().isCopy()) {
            // A resumed attempt's copy of a task that ran in an earlier attempt: that run was its completion.
            return List.of();
        }
        return index.match(event);
    }

    /** Records, once per rule and event, why the rule could not evaluate it, and raises an alert. */
    private void recordFailure(Rule rule, UpstreamEvent event, RuntimeException failure) {
        String error = failure.toString();
        LOG.errorf(failure, "rule %s could not evaluate event %s; the other rules still see it", rule.name(), event.id());
        String key = correlationKeyOrNull(rule, event);
        String session = event.sessionTime() != null ? event.sessionTime().toString() : String.valueOf(event.sessionDate());
        QuarkusTransaction.requiringNew().run(() -> EvaluationError.record(rule.name(), key, session, event.id(), error)
                .ifPresent(id -> outcomes.evaluationFailed(rule, id, key, session, event.id(), error)));
    }

    private static String correlationKeyOrNull(Rule rule, UpstreamEvent event) {
        try {
            return rule.correlation().key(event.sessionTimeIn(rule.correlation()));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A new rule does not fire for upstreams that finished long before it existed (e.g. a replayed topic). */
    private boolean predatesRule(Rule rule, UpstreamEvent event) {
        return rule.createdAt() != null
                && event.finishedAt().isBefore(rule.createdAt().toInstant().minus(config.historyGrace()));
    }

    /**
     * Records the conditions under the locks of all their rules and keys, then evaluates each rule after each new
     * condition in the order the events came, as if they had come one by one: a rule opens its ledger row at the
     * event that completes it.
     *
     * @return the ids of the runs opened
     */
    private List<Long> satisfy(List<Satisfaction> satisfactions) {
        Map<Satisfaction.ConditionKey, Satisfaction> unique = new LinkedHashMap<>();
        satisfactions.forEach(s -> unique.putIfAbsent(s.conditionKey(), s));
        TriggerCondition.lockAll(unique.values().stream().map(Satisfaction::ruleKey).collect(Collectors.toSet()));
        Map<Satisfaction.ConditionKey, Long> recorded = TriggerCondition.recordAll(List.copyOf(unique.values()));
        satisfactions.stream()
                .filter(s -> !(recorded.containsKey(s.conditionKey()) && unique.get(s.conditionKey()) == s))
                .forEach(s -> reruns.onRepeat(s.rule(), s.key(), s.upstreamId(), s.event(), s.sessionTime()));
        if (recorded.isEmpty()) {
            return List.of();
        }
        Set<Long> newIds = Set.copyOf(recorded.values());
        Map<Satisfaction.RuleKey, List<TriggerCondition>> stored = TriggerCondition.of(unique.values().stream()
                .filter(s -> recorded.containsKey(s.conditionKey())).map(Satisfaction::ruleKey)
                .collect(Collectors.toSet()));
        Map<Long, TriggerCondition> byId = stored.values().stream().flatMap(List::stream)
                .collect(Collectors.toMap(c -> c.id, c -> c));
        Map<Satisfaction.RuleKey, List<TriggerCondition>> known = new HashMap<>();
        List<Long> opened = new ArrayList<>();
        for (Satisfaction satisfaction : unique.values()) {
            Long id = recorded.get(satisfaction.conditionKey());
            if (id == null) {
                continue;
            }
            List<TriggerCondition> conditions = known.computeIfAbsent(satisfaction.ruleKey(), key -> stored.get(key)
                    .stream().filter(c -> !newIds.contains(c.id)).collect(Collectors.toCollection(ArrayList::new)));
            conditions.add(byId.get(id));
            conditions.sort(TriggerCondition.ORDER);
            openIfReady(satisfaction.rule(), satisfaction.key(), conditions).ifPresent(opened::add);
        }
        return opened;
    }

    private Optional<Long> openIfReady(Rule rule, String key, List<TriggerCondition> conditions) {
        Evaluation evaluation = Evaluation.of(rule, key, conditions, expressions);
        if (!evaluation.ready()) {
            return Optional.empty();
        }
        return TriggerRun.open(rule.name(), key, evaluation.downstreamSession(rule),
                evaluation.lastFinishedAt(), false, null, Instant.now().plus(config.resumeAfter()));
    }

    /**
     * Fires a rule by hand for a session, through the same ledger: a session fires once, however it is asked. The
     * session is checked before anything is written, and the caller is audited with the ledger row.
     */
    public TriggerRun fire(String ruleName, String session, String requestedBy) {
        Rule rule = rules.get(ruleName);
        String key = keyOf(rule, session);
        OffsetDateTime downstream = rule.correlation().downstreamSessionTime(sessionTime(rule, "session", session));
        if (!InputLimits.inRange(downstream)) {
            throw ProblemException.invalid("session", "the rule's downstream session " + downstream + " "
                    + InputLimits.outOfRange());
        }
        String downstreamSession = SessionTimes.format(downstream);
        long runId = QuarkusTransaction.requiringNew().call(() -> {
            TriggerCondition.lock(rule.name(), key);
            long id = TriggerRun.open(rule.name(), key, downstream, null, true, requestedBy,
                            Instant.now().plus(config.resumeAfter()))
                    .orElseThrow(() -> ProblemException.conflict("rule '" + ruleName + "' already fired for session "
                            + session, List.of()));
            audit.record(AuditLog.FIRE, rule.name(), downstreamSession, "trigger run " + id);
            return id;
        });
        starter.start(runId);
        return QuarkusTransaction.requiringNew().call(() -> TriggerRun.findById(runId));
    }

    /** Where the rule stands for a session: what is satisfied, what is missing, and the ledger row if it fired. */
    public Explanation explain(String ruleName, String session) {
        Rule rule = rules.get(ruleName);
        String key = keyOf(rule, session);
        return QuarkusTransaction.requiringNew().call(() -> explanation(rule, key, TriggerRun.forKey(rule.name(), key)
                .orElse(null), EvaluationError.of(rule.name(), key)));
    }

    /**
     * One page of the rule's runs whose downstream session lies in [from, to), newest first, then the correlation keys
     * the rule failed to evaluate events for and has no run for (by upstream session). The page is chosen in SQL
     * ({@link RunPages}); its runs, conditions and failures are read with one query each, however long the page.
     */
    public List<Explanation> runs(String ruleName, OffsetDateTime from, OffsetDateTime to, int page, int size) {
        Rule rule = rules.get(ruleName);
        return QuarkusTransaction.requiringNew().call(() -> {
            List<RunPages.Entry> entries = RunPages.select(rule.name(), rule.correlation().zoneId(), from, to, page,
                    size);
            List<Long> runIds = entries.stream().map(RunPages.Entry::runId).filter(Objects::nonNull).toList();
            Map<Long, TriggerRun> runs = runIds.isEmpty() ? Map.of() : TriggerRun.<TriggerRun>list("id in ?1", runIds)
                    .stream().collect(Collectors.toMap(run -> run.id, run -> run));
            List<String> keys = entries.stream().map(RunPages.Entry::key).filter(Objects::nonNull).distinct().toList();
            Map<String, List<TriggerCondition>> conditions = keys.isEmpty() ? Map.of()
                    : TriggerCondition.<TriggerCondition>list("ruleName = ?1 and correlationKey in ?2 "
                            + "order by finishedAt, id", rule.name(), keys).stream()
                    .collect(Collectors.groupingBy(c -> c.correlationKey));
            List<String> runKeys = runs.values().stream().map(run -> run.correlationKey).distinct().toList();
            Map<String, List<TriggerRerun>> reruns = runKeys.isEmpty() ? Map.of()
                    : TriggerRerun.<TriggerRerun>list("ruleName = ?1 and correlationKey in ?2 order by id", rule.name(),
                    runKeys).stream().collect(Collectors.groupingBy(r -> r.correlationKey));
            Map<String, List<EvaluationError>> errorsOfRuns = runKeys.isEmpty() ? Map.of()
                    : EvaluationError.<EvaluationError>list("ruleName = ?1 and correlationKey in ?2 "
                            + "order by failedAt desc, id desc", rule.name(), runKeys).stream()
                    .collect(Collectors.groupingBy(e -> e.correlationKey));
            List<Long> errorIds = entries.stream().flatMap(e -> e.errorIds().stream()).toList();
            Map<Long, EvaluationError> errorsAlone = errorIds.isEmpty() ? Map.of()
                    : EvaluationError.<EvaluationError>list("id in ?1", errorIds).stream()
                    .collect(Collectors.toMap(e -> e.id, e -> e));
            return entries.stream().map(entry -> {
                List<EvaluationError> errors = entry.runId() != null
                        ? errorsOfRuns.getOrDefault(entry.key(), List.of())
                        : entry.errorIds().stream().map(errorsAlone::get).toList();
                return entry.key() == null ? Explanation.ofFailures(rule, errors) : Explanation.of(rule,
                        Evaluation.of(rule, entry.key(), conditions.getOrDefault(entry.key(), List.of()), expressions),
                        entry.runId() == null ? null : runs.get(entry.runId()),
                        reruns.getOrDefault(entry.key(), List.of()), errors);
            }).toList();
        });
    }

    private Explanation explanation(Rule rule, String key, TriggerRun run, List<EvaluationError> errors) {
        return Explanation.of(rule, Evaluation.of(rule, key, TriggerCondition.of(rule.name(), key), expressions), run,
                TriggerRerun.of(rule.name(), key), errors);
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
            Map<String, List<TriggerRerun>> reruns = TriggerRerun.<TriggerRerun>list("ruleName in ?1 and "
                            + "correlationKey in ?2 order by id", names, allKeys).stream()
                    .collect(Collectors.groupingBy(r -> r.ruleName + "\n" + r.correlationKey));
            List<Explanation> explanations = new ArrayList<>();
            keys.forEach((rule, ruleKeys) -> ruleKeys.forEach(key -> {
                String id = rule.name() + "\n" + key;
                explanations.add(Explanation.of(rule,
                        Evaluation.of(rule, key, conditions.getOrDefault(id, List.of()), expressions), runs.get(id),
                        reruns.getOrDefault(id, List.of()), List.of()));
            }));
            return explanations;
        });
    }

    /** The correlation key of a session given as a date ({@code 2026-11-24}) or a timestamp with offset. */
    String keyOf(Rule rule, String session) {
        return rule.correlation().key(sessionTime(rule, "session", session));
    }

    /** A date is taken at 00:00 in the rule's correlation zone; {@code field} names the parameter in a 400. */
    static OffsetDateTime sessionTime(Rule rule, String field, String session) {
        if (session == null || session.isBlank()) {
            throw ProblemException.invalid(field, "required: a date such as 2026-11-24 or a timestamp with offset");
        }
        return SessionTimeParam.parse(field, session).withDatesIn(rule.correlation().zoneId());
    }
}
