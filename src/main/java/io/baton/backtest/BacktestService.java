package io.baton.backtest;

import io.baton.digdag.client.DigdagClients;
import io.baton.digdag.client.SessionTimes;
import io.baton.digdag.client.Task;
import io.baton.history.DigdagHistory;
import io.baton.history.SessionHistory;
import io.baton.problem.ProblemException;
import io.baton.rules.Correlation;
import io.baton.rules.DigdagCondition;
import io.baton.rules.Match;
import io.baton.rules.Rule;
import io.baton.rules.RuleService;
import io.baton.rules.RuleValidator;
import io.baton.rules.Upstream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Replays a rule over Digdag's history: for each downstream session in a date range, when each upstream condition
 * was satisfied, when the rule would have fired, and when the downstream really started (its schedule or a manual
 * start; Digdag does not tell them apart). Reads sessions of the upstream and downstream workflows, and task lists
 * only for task conditions, paced by {@link BacktestConfig#maxRequestsPerSecond()}. External-event upstreams are
 * not in Digdag's history: a rule that needs one never fires in a backtest.
 */
@ApplicationScoped
public class BacktestService {

    /** Upstream sessions are read this much beyond the range, so shifted or late-correlated ones are not missed. */
    private static final Duration MARGIN = Duration.ofDays(2);

    @Inject
    RuleService rules;

    @Inject
    RuleValidator validator;

    @Inject
    DigdagClients clients;

    @Inject
    BacktestConfig config;

    public Backtest run(BacktestRequest request) {
        if (request == null) {
            throw ProblemException.invalid("body", "name or rule, from and to are required");
        }
        Rule rule = rule(request);
        SessionDates dates = SessionDates.of(request.from(), request.to(), config.maxDays(), "a backtest");
        return replay(rule, dates.from(), dates.to());
    }

    /**
     * The rule replayed over the downstream session dates {@code from} to {@code to} (both included, in the rule's
     * correlation zone): what the backtest answers, and what a backfill decides from.
     */
    public Backtest replay(Rule rule, LocalDate from, LocalDate to) {
        Correlation correlation = rule.correlation();
        Instant start = from.atStartOfDay(correlation.zoneId()).toInstant();
        Instant end = to.plusDays(1).atStartOfDay(correlation.zoneId()).toInstant();
        Map<String, DigdagHistory> histories = new HashMap<>();

        // correlation key -> upstream id -> the upstream's sessions of that key; key -> downstream session
        Map<String, Map<String, List<Satisfaction>>> byKey = new HashMap<>();
        TreeMap<Instant, String> keysByDownstream = new TreeMap<>();
        Duration margin = MARGIN.plus(shiftOf(correlation));
        for (Upstream upstream : rule.upstreams()) {
            DigdagCondition condition = upstream.digdag();
            if (condition == null) {
                continue;
            }
            DigdagHistory history = history(histories, condition.server());
            for (SessionHistory session : history.sessions(condition.project(), condition.workflow(),
                    start.minus(margin), end.plus(margin))) {
                Instant downstream = correlation.downstreamSessionTime(session.sessionTime()).toInstant();
                if (downstream.isBefore(start) || !downstream.isBefore(end)) {
                    continue;
                }
                String key = correlation.key(session.sessionTime());
                keysByDownstream.put(downstream, key);
                byKey.computeIfAbsent(key, k -> new LinkedHashMap<>())
                        .computeIfAbsent(upstream.id(), k -> new ArrayList<>())
                        .add(new Satisfaction(session.sessionTime(), satisfiedAt(history, condition, session)));
            }
        }
        Map<Instant, SessionHistory> downstreams = history(histories, rule.action().server())
                .sessions(rule.action().project(), rule.action().workflow(), start, end).stream()
                .collect(Collectors.toMap(s -> s.sessionTime().toInstant(), s -> s, (a, b) -> a));

        TreeMap<Instant, OffsetDateTime> sessionTimes = new TreeMap<>();
        keysByDownstream.keySet().forEach(t -> sessionTimes.put(t, OffsetDateTime.ofInstant(t, correlation.zoneId())));
        downstreams.forEach((t, s) -> sessionTimes.put(t, s.sessionTime()));
        List<Backtest.SessionRow> rows = new ArrayList<>();
        sessionTimes.forEach((time, sessionTime) -> rows.add(row(rule, sessionTime,
                byKey.getOrDefault(keysByDownstream.get(time), Map.of()), downstreams.get(time))));
        int requests = histories.values().stream().mapToInt(DigdagHistory::requests).sum();
        return new Backtest(rule.name(), from.toString(), to.toString(), rows, summary(rows), requests);
    }

    private Rule rule(BacktestRequest request) {
        if ((request.name() == null) == (request.rule() == null)) {
            throw ProblemException.invalid("rule", "give either the name of a stored rule or a rule body");
        }
        return request.name() != null ? rules.get(request.name()) : validator.normalize(request.rule());
    }

    private DigdagHistory history(Map<String, DigdagHistory> histories, String server) {
        return histories.computeIfAbsent(server, s -> new DigdagHistory(clients.client(s),
                config.maxRequestsPerSecond()));
    }

    /** When the condition was met by this session's latest attempt; a task condition reads the task list. */
    private static Instant satisfiedAt(DigdagHistory history, DigdagCondition condition, SessionHistory session) {
        if (condition.task() == null) {
            return session.last().done() && condition.outcome().isSatisfiedBy(session.last().success())
                    ? session.last().finishedAt() : null;
        }
        Optional<Task> task = history.tasks(session.last().id()).stream()
                .filter(t -> t.fullName().equals(condition.task()) && t.isDone())
                .findFirst();
        return task.filter(t -> condition.outcome().isSatisfiedBy(Task.SUCCESS.equals(t.state())))
                .map(Task::updatedAt).orElse(null);
    }

    private static Backtest.SessionRow row(Rule rule, OffsetDateTime sessionTime,
                                           Map<String, List<Satisfaction>> satisfactions, SessionHistory downstream) {
        List<Backtest.UpstreamRow> upstreams = new ArrayList<>();
        List<Instant> satisfied = new ArrayList<>();
        for (Upstream upstream : rule.upstreams()) {
            List<Satisfaction> sessions = satisfactions.getOrDefault(upstream.id(), List.of());
            Instant at = satisfiedAt(rule.correlation(), sessions);
            upstreams.add(new Backtest.UpstreamRow(upstream.id(), sessions.stream()
                    .map(s -> SessionTimes.format(s.sessionTime())).toList(), at));
            satisfied.add(at);
        }
        Instant wouldFireAt = wouldFireAt(rule, satisfied);
        Instant startedAt = downstream == null ? null : downstream.startedAt();
        Long gained = wouldFireAt != null && startedAt != null
                ? Duration.between(wouldFireAt, startedAt).toSeconds() : null;
        boolean early = startedAt != null && (wouldFireAt == null || startedAt.isBefore(wouldFireAt));
        return new Backtest.SessionRow(SessionTimes.format(sessionTime), upstreams, wouldFireAt,
                startedAt, downstream == null ? null : downstream.firstAttemptId(), gained, early,
                wouldFireAt == null);
    }

    /**
     * When an upstream was satisfied for a key: its first satisfied session, or with {@code upstreamEvery} the last
     * of the day's expected sessions (null while one of them is missing).
     */
    private static Instant satisfiedAt(Correlation correlation, List<Satisfaction> sessions) {
        Optional<List<OffsetDateTime>> expected = sessions.isEmpty() ? Optional.empty()
                : correlation.upstreamSessionsOn(sessions.get(0).sessionTime()
                .atZoneSameInstant(correlation.zoneId()).toLocalDate());
        if (expected.isPresent()) {
            Map<Instant, Instant> byTime = new HashMap<>();
            sessions.stream().filter(s -> s.satisfiedAt() != null)
                    .forEach(s -> byTime.put(s.sessionTime().toInstant(), s.satisfiedAt()));
            List<Instant> times = expected.get().stream().map(t -> byTime.get(t.toInstant())).toList();
            return times.contains(null) ? null : times.stream().max(Comparator.naturalOrder()).orElse(null);
        }
        return sessions.stream().map(Satisfaction::satisfiedAt).filter(Objects::nonNull)
                .min(Comparator.naturalOrder()).orElse(null);
    }

    /** All upstreams (within the window) or any one of them, as the live engine decides. */
    private static Instant wouldFireAt(Rule rule, List<Instant> satisfied) {
        List<Instant> done = satisfied.stream().filter(Objects::nonNull).sorted().toList();
        if (done.isEmpty()) {
            return null;
        }
        if (rule.match() == Match.ANY) {
            return done.get(0);
        }
        boolean all = done.size() == satisfied.size();
        boolean inWindow = Duration.between(done.get(0), done.get(done.size() - 1))
                .compareTo(rule.windowDuration()) <= 0;
        return all && inWindow ? done.get(done.size() - 1) : null;
    }

    private static Backtest.Summary summary(List<Backtest.SessionRow> rows) {
        List<Double> gained = rows.stream().map(Backtest.SessionRow::gainedSeconds).filter(Objects::nonNull)
                .map(s -> s / 60.0).sorted().toList();
        return new Backtest.Summary(rows.size(),
                rows.stream().filter(Backtest.SessionRow::startedBeforeUpstreams)
                        .map(Backtest.SessionRow::downstreamSession).toList(),
                rows.stream().filter(Backtest.SessionRow::neverFired)
                        .map(Backtest.SessionRow::downstreamSession).toList(),
                percentile(gained, 0.5), percentile(gained, 0.9));
    }

    /** Nearest-rank percentile; null without values. */
    static Double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return null;
        }
        return sorted.get((int) Math.ceil(p * sorted.size()) - 1);
    }

    private static Duration shiftOf(Correlation correlation) {
        OffsetDateTime epoch = OffsetDateTime.ofInstant(Instant.EPOCH, correlation.zoneId());
        OffsetDateTime base = correlation.downstreamSessionTime(epoch);
        OffsetDateTime unshifted = new Correlation(correlation.by(), correlation.zone(), null, null)
                .downstreamSessionTime(epoch);
        return Duration.between(unshifted, base).abs();
    }

    private record Satisfaction(OffsetDateTime sessionTime, Instant satisfiedAt) {
    }
}
