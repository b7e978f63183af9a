package io.baton.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.DigdagJson;
import io.baton.digdag.client.SessionTimeParam;
import io.baton.digdag.rest.DigdagService;
import io.baton.notify.Expectation;
import io.baton.notify.ExpectationWatch;
import io.baton.notify.NotifyService;
import io.baton.problem.ProblemException;
import io.baton.rules.DependencyGraph;
import io.baton.rules.Rule;
import io.baton.rules.RuleFilter;
import io.baton.rules.RuleService;
import io.baton.rules.Upstream;
import io.baton.security.Caller;
import io.baton.trigger.Explanation;
import io.baton.trigger.TriggerRerun;
import io.baton.trigger.TriggerRun;
import io.baton.trigger.TriggerService;
import io.baton.watch.WatchedAttempt;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What the console shows, read from the rules, the trigger ledger and the watcher's running attempts. */
@ApplicationScoped
public class ConsoleService {

    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");
    private static final int DAY_MINUTES = 24 * 60;
    private static final RuleFilter ALL = new RuleFilter(null, null, null, null);

    @Inject
    RuleService rules;

    @Inject
    TriggerService triggers;

    @Inject
    DigdagService digdag;

    @Inject
    Caller caller;

    @Inject
    ConsoleAccess access;

    @Inject
    ConsoleConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    NotifyService notify;

    @Inject
    ExpectationWatch expectationWatch;

    /** Every rule of {@code team} (all teams when null) on {@code date} (today in the rules' zone when null). */
    public TodayView today(LocalDate date, String team) {
        List<Rule> all = rules.listAll(ALL);
        List<Rule> shown = team == null ? all : all.stream().filter(rule -> rule.team().equals(team)).toList();
        LocalDate day = date != null ? date : today(all);
        List<String> teams = all.stream().map(Rule::team).distinct().sorted().toList();
        return new TodayView(day, team, teams, rows(shown, day), expectations(day, team));
    }

    /**
     * The sessions of {@code day} (by Digdag's session date) that each expectation of {@code team} planned, in the
     * state the expectation watch recorded; an expectation whose schedule planned none that day is not expected.
     */
    List<ExpectationRow> expectations(LocalDate day, String team) {
        List<ExpectationRow> shown = new ArrayList<>();
        for (Expectation e : notify.expectations(team)) {
            ZoneId zone = ZoneId.of(e.zone());
            String workflow = e.project() + "/" + e.workflow();
            List<ExpectationWatch.ExpectedSession> sessions = expectationWatch.sessions(e.name()).stream()
                    .filter(s -> OffsetDateTime.parse(s.sessionTime()).toLocalDate().equals(day))
                    .sorted(Comparator.comparing(ExpectationWatch.ExpectedSession::runTime)).toList();
            if (sessions.isEmpty()) {
                shown.add(new ExpectationRow(e.name(), e.team(), workflow, null, "by " + e.by() + " " + zone.getId(),
                        "not_expected", ExpectationRow.text("not_expected"), null));
            }
            for (ExpectationWatch.ExpectedSession s : sessions) {
                shown.add(new ExpectationRow(e.name(), e.team(), workflow, s.sessionTime(),
                        HH_MM.format(s.dueAt().atZoneSameInstant(zone)) + " " + zone.getId(), s.state(),
                        ExpectationRow.text(s.state()), s.attemptId()));
            }
        }
        return shown;
    }

    /** One row of the Today page; a live update re-reads just the rule that changed. */
    public RuleRow row(String name, LocalDate date) {
        return rows(List.of(rules.get(name)), date).get(0);
    }

    public RulePage rulePage(String name, LocalDate date) {
        Rule rule = rules.get(name);
        LocalDate day = date != null ? date : today(List.of(rule));
        List<LocalDate> days = new ArrayList<>();
        for (int back = config.timelineSessions() - 1; back >= 0; back--) {
            days.add(day.minusDays(back));
        }
        List<Explanation> explanations = triggers.explainDays(List.of(rule), days);
        Explanation current = explanations.get(explanations.size() - 1);
        RuleRow row = row(rule, current, running());
        List<RulePage.TimelineRow> timeline = new ArrayList<>();
        for (int i = explanations.size() - 1; i >= 0; i--) {
            timeline.add(timelineRow(rule, days.get(i), explanations.get(i)));
        }
        return new RulePage(row, definition(rule), day, zoneOf(rule).getId(), explain(rule, current), timeline,
                rules.history(name, 0, config.timelineSessions()).items(), access.mayAct(rule.team()),
                current.run() != null);
    }

    /** The dependency graph with each rule's state on {@code date}. */
    public GraphView graph(LocalDate date) {
        List<Rule> all = rules.listAll(ALL);
        Map<String, RuleRow> rows = rows(all, date != null ? date : today(all)).stream()
                .collect(Collectors.toMap(RuleRow::name, Function.identity()));
        DependencyGraph graph = rules.graph();
        Map<String, String> groups = new HashMap<>();
        graph.edges().forEach(edge -> groups.putIfAbsent(edge.to(), edge.team()));
        List<GraphView.Node> nodes = graph.nodes().stream().map(node -> new GraphView.Node(node.id(), label(node),
                node.kind().name().toLowerCase(), groups.getOrDefault(node.id(),
                node.project() != null ? node.project() : "events"))).toList();
        List<GraphView.Edge> edges = new ArrayList<>();
        for (DependencyGraph.Edge edge : graph.edges()) {
            RuleRow row = rows.get(edge.rule());
            edges.add(new GraphView.Edge(edge.rule() + ":" + edge.from(), edge.from(), edge.to(), edge.rule(),
                    edge.team(), row == null ? "disabled" : row.state(), row == null ? "" : row.stateText()));
        }
        return new GraphView(nodes, edges);
    }

    /** Fires the rule by hand for the session of {@code date}; only writers of its team (or admins). */
    public void fire(String name, LocalDate date) {
        caller.requireWriterOf(rules.get(name).team());
        triggers.fire(name, date.toString(), caller.name());
    }

    /** Retries the downstream session the rule started for {@code date}: a new attempt that re-runs it. */
    public void retry(String name, LocalDate date) {
        Rule rule = rules.get(name);
        caller.requireWriterOf(rule.team());
        Explanation explanation = triggers.explainDays(List.of(rule), List.of(date)).get(0);
        if (explanation.run() == null) {
            throw ProblemException.invalid("session", "rule '" + name + "' has not started a downstream for " + date);
        }
        digdag.retry(rule.action().server(), rule.action().project(), rule.action().workflow(),
                SessionTimeParam.parse(explanation.run().downstreamSession()), null, false);
    }

    private List<RuleRow> rows(List<Rule> shown, LocalDate date) {
        Map<String, List<OffsetDateTime>> running = running();
        List<Explanation> explanations = triggers.explainDays(shown, List.of(date));
        List<RuleRow> rows = new ArrayList<>(shown.size());
        for (int i = 0; i < shown.size(); i++) {
            rows.add(row(shown.get(i), explanations.get(i), running));
        }
        return rows;
    }

    private RuleRow row(Rule rule, Explanation explanation, Map<String, List<OffsetDateTime>> running) {
        ZoneId zone = zoneOf(rule);
        LocalDate date = dateOf(rule, explanation);
        Instant now = Instant.now();
        Instant due = rule.deadline() == null ? null
                : date.atTime(rule.deadline().localTime()).atZone(rule.deadline().zoneId()).toInstant();
        boolean late = due != null && now.isAfter(due);
        Map<String, Explanation.Satisfied> satisfied = new LinkedHashMap<>();
        explanation.satisfied().forEach(s -> satisfied.merge(s.upstream(), s,
                (a, b) -> a.finishedAt().isAfter(b.finishedAt()) ? a : b));
        List<RuleRow.UpstreamCell> cells = new ArrayList<>();
        for (Upstream upstream : rule.upstreams()) {
            Explanation.Satisfied done = explanation.missing().contains(upstream.id()) ? null : satisfied.get(upstream.id());
            String label = upstream.digdag() == null ? upstream.key()
                    : upstream.key() + (upstream.digdag().task() == null ? "" : " " + upstream.digdag().task());
            if (done != null) {
                cells.add(new RuleRow.UpstreamCell(upstream.id(), label, "succeeded",
                        "succeeded at " + time(done.finishedAt().toInstant(), zone)));
            } else if (isRunning(rule, upstream, explanation.correlationKey(), running)) {
                cells.add(new RuleRow.UpstreamCell(upstream.id(), label, "running", "running"
                        + (late ? " · " + minutes(Duration.between(due, now)) + " late" : "")));
            } else if (late) {
                cells.add(new RuleRow.UpstreamCell(upstream.id(), label, "late",
                        "still waiting · " + minutes(Duration.between(due, now)) + " late"));
            } else {
                cells.add(new RuleRow.UpstreamCell(upstream.id(), label, "waiting", "not started"));
            }
        }
        int met = rule.upstreams().size() - explanation.missing().size();
        String waiting = "waiting " + met + " of " + rule.upstreams().size();
        Explanation.Run run = explanation.run();
        String state;
        String text;
        if (run != null) {
            switch (run.state()) {
                case TriggerRun.PENDING -> {
                    state = "starting";
                    text = "starting" + (run.tries() > 0 ? " (try " + (run.tries() + 1) + ")" : "");
                }
                case TriggerRun.FAILED -> {
                    state = "failed";
                    text = "start failed";
                }
                default -> {
                    state = "fired";
                    text = "fired at " + time((run.startedAt() != null ? run.startedAt() : run.createdAt()).toInstant(), zone);
                }
            }
        } else if (!Boolean.TRUE.equals(rule.enabled())) {
            state = "disabled";
            text = "disabled";
        } else if (explanation.windowExpired()) {
            state = "expired";
            text = "window expired · " + waiting;
        } else if ("ready".equals(explanation.status())) {
            state = "ready";
            text = "ready";
        } else if (late) {
            state = "missed";
            text = "deadline missed · " + waiting;
        } else {
            state = "waiting";
            text = waiting;
        }
        String latency = run == null || run.startedAt() == null || explanation.satisfied().isEmpty() ? null
                : seconds(Duration.between(explanation.satisfied().stream().map(Explanation.Satisfied::finishedAt)
                .max(Comparator.naturalOrder()).orElseThrow(), run.startedAt()));
        String deadline = rule.deadline() == null ? null : rule.deadline().time() + " " + rule.deadline().zone();
        return new RuleRow(rule.name(), rule.team(), rule.description(), rule.action().workflowKey(), state, text,
                run == null ? null : run.attemptId(), run == null ? null : run.attemptUrl(), latency, deadline, cells);
    }

    private RulePage.TimelineRow timelineRow(Rule rule, LocalDate date, Explanation explanation) {
        ZoneId zone = zoneOf(rule);
        ZonedDateTime dayStart = date.atStartOfDay(zone);
        List<Integer> finishes = explanation.satisfied().stream()
                .map(s -> minuteOfDay(dayStart, s.finishedAt().toInstant())).toList();
        Explanation.Run run = explanation.run();
        Integer start = run == null || run.startedAt() == null ? null : minuteOfDay(dayStart, run.startedAt().toInstant());
        Integer deadline = rule.deadline() == null ? null : minuteOfDay(dayStart,
                date.atTime(rule.deadline().localTime()).atZone(rule.deadline().zoneId()).toInstant());
        String finishText = explanation.satisfied().stream()
                .map(s -> s.upstream() + " " + time(s.finishedAt().toInstant(), zone)).collect(Collectors.joining(", "));
        String started = run == null || run.startedAt() == null ? "" : time(run.startedAt().toInstant(), zone);
        String state = run != null ? (TriggerRun.FAILED.equals(run.state()) ? "failed" : "fired")
                : explanation.satisfied().isEmpty() ? "none" : "waiting";
        String stateText = run != null ? run.state().replace('_', ' ')
                : explanation.satisfied().isEmpty() ? "no upstream finished"
                : (rule.upstreams().size() - explanation.missing().size()) + " of " + rule.upstreams().size();
        return new RulePage.TimelineRow(date, state, stateText, finishText, started, finishes, start, deadline);
    }

    /** Plain sentences: what is satisfied, what is missing, and why the rule has (not) fired. */
    private List<String> explain(Rule rule, Explanation explanation) {
        ZoneId zone = zoneOf(rule);
        List<String> lines = new ArrayList<>();
        for (Explanation.Satisfied s : explanation.satisfied()) {
            lines.add("Satisfied: " + s.upstream() + " by session " + s.sessionTime() + ", finished at "
                    + time(s.finishedAt().toInstant(), zone) + (s.attemptId() == null ? "" : " (attempt " + s.attemptId() + ")")
                    + ".");
        }
        for (String missing : explanation.missing()) {
            lines.add("Missing: " + missing + " has not " + outcomeOf(rule, missing) + " for this session yet.");
        }
        Explanation.Run run = explanation.run();
        if (run != null) {
            lines.add(switch (run.state()) {
                case TriggerRun.PENDING -> "Fired: the downstream start is being sent to Digdag (tries so far: "
                        + run.tries() + ").";
                case TriggerRun.FAILED -> "Fired, but Digdag did not start the downstream: " + run.lastError();
                default -> "Fired: " + (run.manual() ? "by hand (" + run.requestedBy() + ")" : "its upstreams were met")
                        + "; attempt " + run.attemptId() + " of session " + run.downstreamSession() + " "
                        + run.state().replace('_', ' ') + (run.startedAt() == null ? "" : " at "
                        + time(run.startedAt().toInstant(), zone)) + ".";
            });
        } else if (!Boolean.TRUE.equals(rule.enabled())) {
            lines.add("Not fired: the rule is disabled.");
        } else if (explanation.windowExpired()) {
            lines.add("Will not fire: the upstreams finished further apart than the rule's window (" + rule.window()
                    + ").");
        } else if ("ready".equals(explanation.status())) {
            lines.add("Ready: every upstream is met; the trigger is being recorded.");
        } else {
            lines.add("Not fired: waiting for " + String.join(", ", explanation.missing()) + ".");
        }
        for (Explanation.Rerun rerun : explanation.reruns()) {
            lines.add("Re-run: " + rerun.upstream() + " ran again (attempt " + rerun.upstreamAttemptId() + " after "
                    + rerun.previousAttemptId() + ", finished at " + time(rerun.upstreamFinishedAt().toInstant(), zone)
                    + "); " + rerunOutcome(rerun) + ".");
        }
        return lines;
    }

    private static String rerunOutcome(Explanation.Rerun rerun) {
        String detail = rerun.detail() == null ? "" : ": " + rerun.detail();
        return switch (rerun.state()) {
            case TriggerRerun.NOTIFIED -> "announced attempt " + rerun.attemptId() + " as stale";
            case TriggerRerun.STARTED -> "reran the downstream: attempt " + rerun.attemptId();
            case TriggerRerun.COALESCED -> "covered by rerun attempt " + rerun.attemptId();
            case TriggerRerun.PENDING, TriggerRerun.STARTING -> "the rerun waits" + detail;
            default -> "rerun " + rerun.state() + detail;
        };
    }

    private static String outcomeOf(Rule rule, String upstreamId) {
        return rule.upstreams().stream().filter(u -> u.id().equals(upstreamId)).findFirst()
                .map(u -> u.digdag() == null ? "arrived" : switch (u.digdag().outcome()) {
                    case SUCCESS -> "succeeded";
                    case FAILURE -> "failed";
                    case FINISHED -> "finished";
                })
                .orElse("finished");
    }

    /** Running attempts the watcher follows, by {@code server/project/workflow}, with their session times. */
    private Map<String, List<OffsetDateTime>> running() {
        List<WatchedAttempt> attempts = QuarkusTransaction.requiringNew()
                .call(() -> WatchedAttempt.<WatchedAttempt>listAll());
        Map<String, List<OffsetDateTime>> running = new HashMap<>();
        for (WatchedAttempt watched : attempts) {
            running.computeIfAbsent(watched.server + "/" + watched.project + "/" + watched.workflow,
                    k -> new ArrayList<>()).add(watched.attempt.sessionTime());
        }
        return running;
    }

    private static boolean isRunning(Rule rule, Upstream upstream, String key,
                                     Map<String, List<OffsetDateTime>> running) {
        return upstream.digdag() != null && running.getOrDefault(upstream.key(), List.of()).stream()
                .filter(Objects::nonNull).anyMatch(sessionTime -> rule.correlation().key(sessionTime).equals(key));
    }

    private String definition(Rule rule) {
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(rule);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Today in the zone most of the rules correlate in (UTC without rules). */
    private LocalDate today(List<Rule> shown) {
        ZoneId zone = shown.stream().collect(Collectors.groupingBy(rule -> rule.correlation().zoneId(),
                        Collectors.counting())).entrySet().stream().max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey).orElse(ZoneOffset.UTC);
        return LocalDate.now(zone);
    }

    /** Times are shown in the deadline's zone, else the correlation zone. */
    static ZoneId zoneOf(Rule rule) {
        return rule.deadline() != null ? rule.deadline().zoneId() : rule.correlation().zoneId();
    }

    private static LocalDate dateOf(Rule rule, Explanation explanation) {
        String key = explanation.correlationKey();
        return key.length() == 10 ? LocalDate.parse(key)
                : Instant.parse(key).atZone(rule.correlation().zoneId()).toLocalDate();
    }

    private static String label(DependencyGraph.Node node) {
        return switch (node.kind()) {
            case EVENT -> node.id();
            case TASK -> node.project() + "/" + node.workflow() + " " + node.task();
            case WORKFLOW -> node.project() + "/" + node.workflow();
        };
    }

    private static int minuteOfDay(ZonedDateTime dayStart, Instant at) {
        long minutes = ChronoUnit.MINUTES.between(dayStart.toInstant(), at);
        return (int) Math.max(0, Math.min(DAY_MINUTES, minutes));
    }

    static String time(Instant at, ZoneId zone) {
        return HH_MM.format(at.atZone(zone));
    }

    static String minutes(Duration duration) {
        long minutes = duration.toMinutes();
        return minutes < 120 ? minutes + " min" : (minutes / 60) + " h " + (minutes % 60) + " min";
    }

    static String seconds(Duration duration) {
        long millis = Math.max(0, duration.toMillis());
        return millis < 60_000 ? String.format(Locale.ROOT, "%.1f s", millis / 1000.0) : minutes(duration);
    }
}
