package io.baton.trigger;

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

    /**
     * Handles one event; safe to call again with the same event (it is recorded once). Each rule sees the event on
     * its own: a rule whose evaluation fails for a reason no retry changes has that failure recorded
     * ({@link #recordFailure}) and the other rules go on; a transient failure (PostgreSQL down) fails the whole event
     * so that it is tried again.
     */
    public void onEvent(UpstreamEvent event) {
        consumed.increment();
        if (event.isDigdag() && event.completion().isCopy()) {
            // A resumed attempt's copy of a task that ran in an earlier attempt: that run was its completion.
            return;
        }
        List<RuleIndex.Candidate> candidates = index.match(event);
        if (candidates.isEmpty()) {
            return;
        }
        matched.increment();
        List<Long> toStart = new ArrayList<>();
        for (RuleIndex.Candidate candidate : candidates) {
            try {
                evaluate(candidate, event).ifPresent(toStart::add);
            } catch (RuntimeException e) {
                if (TransientFailures.isTransient(e)) {
                    throw e;
                }
                recordFailure(candidate.rule(), event, e);
            }
        }
        toStart.forEach(starter::startSoon);
    }

    private Optional<Long> evaluate(RuleIndex.Candidate candidate, UpstreamEvent event) {
        Rule rule = candidate.rule();
        if (predatesRule(rule, event)) {
            return Optional.empty();
        }
        OffsetDateTime sessionTime = event.sessionTimeIn(rule.correlation());
        return QuarkusTransaction.requiringNew().call(() -> satisfy(rule, candidate.upstream().id(), sessionTime, event));
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

    private Optional<Long> satisfy(Rule rule, String upstreamId, OffsetDateTime sessionTime, UpstreamEvent event) {
        String key = rule.correlation().key(sessionTime);
        TriggerCondition.lock(rule.name(), key);
        if (!TriggerCondition.record(rule.name(), key, upstreamId, event, sessionTime)) {
            reruns.onRepeat(rule, key, upstreamId, event, sessionTime);
            return Optional.empty();
        }
        Evaluation evaluation = Evaluation.of(rule, key, TriggerCondition.of(rule.name(), key), expressions);
        if (!evaluation.ready()) {
            return Optional.empty();
        }
        return TriggerRun.open(rule.name(), key, SessionTimes.format(evaluation.downstreamSession(rule)),
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
            long id = TriggerRun.open(rule.name(), key, downstreamSession, null, true, requestedBy,
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
                        entry.runId() == null ? null : runs.get(entry.runId()), errors);
            }).toList();
        });
    }

    private Explanation explanation(Rule rule, String key, TriggerRun run, List<EvaluationError> errors) {
        return Explanation.of(rule, Evaluation.of(rule, key, TriggerCondition.of(rule.name(), key), expressions), run,
                errors);
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
                explanations.add(Explanation.of(rule,
                        Evaluation.of(rule, key, conditions.getOrDefault(id, List.of()), expressions), runs.get(id),
                        List.of()));
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
