package io.baton.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.DigdagClients;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.EmulatedProject;
import io.baton.emulator.TaskSpec;
import io.baton.emulator.WorkflowSpec;
import io.baton.events.DigdagCompletion;
import io.baton.rules.RuleValidator;
import io.baton.trigger.RuleIndex;
import io.baton.trigger.TriggerRun;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What the benchmark classes share: Baton's beans, the emulators, trigger latency, and quiet points between runs. */
@Tag("bench")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BenchBase {

    static final OffsetDateTime SESSION = OffsetDateTime.parse("2026-01-01T00:00:00Z");

    @Inject
    RuleValidator validator;

    @Inject
    RuleIndex index;

    @Inject
    ObjectMapper mapper;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    MeterRegistry registry;

    @Inject
    DigdagClients clients;

    final DigdagEmulator watched = BenchEmulators.watched();
    BenchRules rules;
    Meters meters;

    @BeforeAll
    void wire() {
        assertThat(clients.client("main").baseUrl()).as("Baton watches the benchmark's emulator").isEqualTo(watched.url());
        rules = new BenchRules(dataSource, validator, index, mapper);
        meters = new Meters(registry);
    }

    /**
     * Trigger latencies, upstream task end to downstream attempt creation, both by the emulator's exact clock, and
     * the same path cut into stages by the timestamps Baton's tables keep.
     */
    record Latencies(List<Duration> sorted, Map<String, List<Duration>> stages) {

        static Latencies of(List<Duration> latencies, Map<String, List<Duration>> stages) {
            Map<String, List<Duration>> sortedStages = new java.util.LinkedHashMap<>();
            stages.forEach((stage, durations) -> sortedStages.put(stage, durations.stream().sorted().toList()));
            return new Latencies(latencies.stream().sorted().toList(), sortedStages);
        }

        /** Nearest-rank percentile. */
        Duration percentile(double p) {
            return sorted.get(Math.max(0, (int) Math.ceil(p / 100 * sorted.size()) - 1));
        }

        Duration max() {
            return sorted.get(sorted.size() - 1);
        }

        String summary() {
            return "p50 " + seconds(percentile(50)) + ", p95 " + seconds(percentile(95)) + ", p99 "
                    + seconds(percentile(99)) + ", max " + seconds(max()) + " (" + sorted.size() + " triggers)";
        }

        String tableRow(String interval) {
            return "| " + interval + " | " + sorted.size() + " | " + seconds(percentile(50)) + " | "
                    + seconds(percentile(95)) + " | " + seconds(percentile(99)) + " | " + seconds(max()) + " |\n";
        }

        /** Where the time goes: median and p99 of each stage. */
        String stageTable() {
            StringBuilder table = new StringBuilder("| Stage | p50 | p99 |\n|---|---|---|\n");
            stages.forEach((stage, durations) -> table.append("| ").append(stage).append(" | ")
                    .append(seconds(new Latencies(durations, Map.of()).percentile(50))).append(" | ")
                    .append(seconds(new Latencies(durations, Map.of()).percentile(99))).append(" |\n"));
            return table.toString();
        }
    }

    private static final String[] STAGES = stages(
            "task ended → watcher's transaction began (poll interval, task list reads of the cycle)");

    /** The same path when the upstream notifies: its http> request is sent the instant the task ends. */
    static final String[] PUSH_STAGES = stages(
            "task ended, notification sent → Baton read the attempt and its tasks and began its transaction");

    private static String[] stages(String first) {
        return new String[]{first,
                "→ that transaction committed and the outbox relay sent the event to Kafka",
                "→ trigger engine committed the condition and the ledger row (Kafka consumer)",
                "→ downstream attempt created in Digdag (3 calls)"};
    }

    /**
     * Fires {@code triggers} rules, each waiting for the task {@code work} of its own upstream workflow and starting
     * its own downstream workflow; the upstreams all start at once and their tasks end 1 to 10 s later, evenly spread.
     */
    Latencies triggerLatency(String project, int triggers) {
        return triggerLatency(project, triggers, Duration.ZERO, STAGES);
    }

    /**
     * The same, each upstream's {@code work} followed by {@code after} (a notifying {@code http>} task with
     * {@link #PUSH_STAGES}), and upstream <i>i</i>'s {@code work} taking {@code i × spacing} longer: with a spacing
     * the ends come at about one per spacing instead of all within 9 s.
     */
    Latencies triggerLatency(String project, int triggers, Duration spacing, String[] stages, TaskSpec... after) {
        // A fresh Baton begins watching at its first poll: what ends before that is not reported (no back-fill).
        await().atMost(Duration.ofSeconds(30)).until(() -> meters.snapshot().cycles() >= 1);
        EmulatedProject definitions = watched.project(project);
        List<Map<String, Object>> bodies = new ArrayList<>();
        for (int i = 0; i < triggers; i++) {
            TaskSpec work = task("work").withDuration(Duration.ofSeconds(1).plus(spacing.multipliedBy(i)));
            definitions.workflow("up-" + i, sequence(Stream.concat(Stream.of(work), Stream.of(after))
                    .toArray(TaskSpec[]::new)));
            definitions.workflow("down-" + i, sequence(task("report")));
            bodies.add(BenchRules.rule(project + "-" + i, project, "down-" + i,
                    List.of(BenchRules.digdag(project, "up-" + i, "+up-" + i + "+work"))));
        }
        rules.replaceAll(bodies);
        Map<String, String> upstreamByRule = new HashMap<>();
        for (int i = 0; i < triggers; i++) {
            upstreamByRule.put(project + "-" + i, watched.startAttempt(project, "up-" + i, SESSION, Map.of()));
        }
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> startedRuns(project).size() == triggers);
        if (after.length > 0) {
            // The notifying path is measured only if Baton took every notification: a refused one fails the upstream
            // attempt, whose end the poll cycle finds.
            await().atMost(Duration.ofMinutes(1)).until(() -> upstreamByRule.values().stream()
                    .allMatch(attempt -> watched.attempt(attempt).done()));
            assertThat(upstreamByRule.values()).allSatisfy(attempt ->
                    assertThat(watched.attempt(attempt).status()).isEqualTo(Attempt.SUCCESS));
        }
        return latencies(startedRuns(project), run -> upstreamByRule.get(run.ruleName),
                run -> "+up-" + run.ruleName.substring(project.length() + 1) + "+work", false, 1, stages);
    }

    /**
     * The latency of each run, from the end of the upstream task that fired it to the creation of its downstream
     * attempt, and the stages of every {@code stageEvery}-th run (each costs a query). With {@code onAttempt} the rule
     * waits for the upstream attempt, which ends with that task (its last).
     */
    Latencies latencies(List<TriggerRun> runs, Function<TriggerRun, String> upstreamAttempt,
                        Function<TriggerRun, String> upstreamTask, boolean onAttempt, int stageEvery) {
        return latencies(runs, upstreamAttempt, upstreamTask, onAttempt, stageEvery, STAGES);
    }

    private Latencies latencies(List<TriggerRun> runs, Function<TriggerRun, String> upstreamAttempt,
                                Function<TriggerRun, String> upstreamTask, boolean onAttempt, int stageEvery,
                                String[] labels) {
        Duration ahead = emulatorAhead();
        List<Duration> latencies = new ArrayList<>();
        Map<String, List<Duration>> stages = new java.util.LinkedHashMap<>();
        for (String stage : labels) {
            stages.put(stage, new ArrayList<>());
        }
        for (int r = 0; r < runs.size(); r++) {
            TriggerRun run = runs.get(r);
            String attempt = upstreamAttempt.apply(run);
            String upstream = upstreamTask.apply(run);
            Instant ended = watched.taskEndedAt(attempt, upstream);
            Instant created = watched.attemptCreatedAt(run.attemptId);
            latencies.add(Duration.between(ended, created));
            if (r % stageEvery != 0) {
                continue;
            }
            String taskId = onAttempt ? null : watched.tasks(attempt).stream()
                    .filter(t -> t.fullName().equals(upstream)).reduce((earlier, later) -> later).orElseThrow().id();
            Instant[] path = stageTimes(run.ruleName, DigdagCompletion.eventId("main",
                    watched.attempt(attempt).sessionUuid(), attempt, taskId, "success"));
            Instant[] points = {ended.minus(ahead), path[0], path[1], path[2], created.minus(ahead)};
            for (int s = 0; s < labels.length; s++) {
                stages.get(labels[s]).add(Duration.between(points[s], points[s + 1]));
            }
        }
        return Latencies.of(latencies, stages);
    }

    /**
     * How far the emulator's clock runs ahead of the system clock, by whole days (drain): its instants, back on the
     * system clock, line up with the timestamps PostgreSQL wrote.
     */
    Duration emulatorAhead() {
        return Duration.between(Instant.now(), watched.now()).plusMillis(500).truncatedTo(ChronoUnit.DAYS);
    }

    /** When the event was committed to the outbox and sent, and when the rule's condition was committed. */
    private Instant[] stageTimes(String rule, String eventId) {
        try (var connection = dataSource.getConnection();
             var query = connection.prepareStatement("SELECT o.created_at, o.sent_at, c.satisfied_at "
                     + "FROM event_outbox o JOIN trigger_condition c ON c.event_id = o.event_id "
                     + "WHERE o.event_id = ? AND c.rule_name = ?")) {
            query.setString(1, eventId);
            query.setString(2, rule);
            try (var row = query.executeQuery()) {
                assertThat(row.next()).as("outbox row and condition of " + eventId).isTrue();
                return new Instant[]{row.getTimestamp(1).toInstant(), row.getTimestamp(2).toInstant(),
                        row.getTimestamp(3).toInstant()};
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Defines 100 workflows {@code wf-k} of ten one-hour tasks (and {@code report}) in {@code project} and starts one
     * attempt of each; returns the attempt ids.
     */
    static List<String> runningWorkflows(DigdagEmulator emulator, String projectName, int workflows) {
        EmulatedProject project = emulator.project(projectName);
        project.workflow("report", WorkflowSpec.sequence(task("build")));
        List<String> attempts = new ArrayList<>();
        for (int k = 0; k < workflows; k++) {
            project.workflow("wf-" + k, tasks(10, t -> task("t" + t).withDuration(Duration.ofHours(1))));
            attempts.add(emulator.startAttempt(projectName, "wf-" + k, SESSION, Map.of()));
        }
        return attempts;
    }

    static WorkflowSpec tasks(int count, IntFunction<TaskSpec> task) {
        return WorkflowSpec.sequence(IntStream.range(0, count).mapToObj(task).toArray(TaskSpec[]::new));
    }

    /** Every request the emulator answered so far. */
    static long requests(DigdagEmulator emulator) {
        return emulator.requestCounts().values().stream().mapToLong(Long::longValue).sum();
    }

    static List<TriggerRun> startedRuns(String project) {
        return QuarkusTransaction.requiringNew().call(() -> TriggerRun.<TriggerRun>list(
                "ruleName like ?1 and attemptId is not null", project + "-%"));
    }

    /**
     * Removes every rule and ends every attempt (the emulator's clock jumps a day, so the automatic drive finishes all
     * tasks), waits until Baton follows none and has handled what that caused, then empties the emulator: the next
     * benchmark starts clean.
     */
    void drain() {
        rules.replaceAll(List.of());
        watched.faults().clear();
        watched.advanceClock(Duration.ofDays(1));
        await().atMost(Duration.ofMinutes(1)).until(() -> meters.gauge("baton.watch.followed.attempts") == 0);
        watched.clear();
        settle();
    }

    /** Waits until the outbox is empty and the trigger engine consumed nothing for a second. */
    void settle() {
        double[] last = {-1};
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            double consumed = meters.counter("baton.trigger.events.consumed");
            boolean quiet = consumed == last[0] && meters.gauge("baton.outbox.size") == 0;
            last[0] = consumed;
            return quiet;
        });
    }

    /** A measurement window: the harness lets Baton run for this long (this waits for no condition). */
    static void hold(Duration window) {
        try {
            Thread.sleep(window.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.2f s", duration.toNanos() / 1e9);
    }

    static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }
}
