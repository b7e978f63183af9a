package io.baton.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.baton.digdag.client.DigdagEndpoint;
import io.baton.emulator.DigFiles;
import io.baton.emulator.TaskSpec;
import io.baton.security.Caller;
import io.baton.watch.WatchConfig;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * Push mode (docs/push-mode.md): trigger latency when the upstream notifies Baton through Digdag's {@code http>}, and
 * the Digdag requests of task rules on notifying workflows against the same rules polled and rules on whole attempts.
 * Run alone with {@code ./baton bench -Dtest=PushModeBenchmarkTest}.
 */
@QuarkusTest
@TestProfile(BenchProfile.Push.class)
@QuarkusTestResource(BatonTestServices.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PushModeBenchmarkTest extends BenchBase {

    private static final int TRIGGERS = 200;
    /** The paced run: one upstream task ends about every half second (a burst ends 200 within about 9 s). */
    private static final Duration PACE = Duration.ofMillis(500);
    private static final int WARM_UP = 20;
    private static final int WORKFLOWS = 100;
    private static final int RULES = 1_000;
    /** Two idle intervals (10 s), over which polled modes' requests are steady. */
    private static final Duration WINDOW = Duration.ofSeconds(20);

    /** The workflows that notify ({@code baton.watch.push.workflows}): the latency runs' upstreams and {@code pload}. */
    static final String NOTIFYING = Stream.of(
                    IntStream.range(0, WARM_UP).mapToObj(i -> "warm-push/up-" + i),
                    IntStream.range(0, TRIGGERS).mapToObj(i -> "lat-push/up-" + i),
                    IntStream.range(0, TRIGGERS).mapToObj(i -> "paced-push/up-" + i),
                    IntStream.range(0, WORKFLOWS).mapToObj(k -> "pload/wf-" + k))
            .flatMap(s -> s).collect(Collectors.joining(","));

    @TestHTTPResource("/api/v1/digdag/main/notifications")
    URL notifications;

    @Inject
    WatchConfig watchConfig;

    /** The snippet's {@code +notify_baton} (src/test/resources/push-mode/etl.dig), sent to this Baton. */
    private TaskSpec notifyBaton() {
        ObjectNode http = (ObjectNode) DigFiles.read(DigFiles.NOTIFYING_ETL).get("+notify_baton").deepCopy();
        http.put("http>", notifications.toString());
        return TaskSpec.task("notify_baton", http);
    }

    private void notifierSecret(String project) {
        watched.project(project).secret("http.authorization", "Bearer "
                + TestTokens.token("digdag-main", null, Set.of(Caller.NOTIFIER)));
    }

    @Test
    @Order(1)
    void triggerLatencyFromTheNotification() {
        // Each project's secret is set after the drain before it, which forgets projects with their secrets.
        notifierSecret("warm-push");
        triggerLatency("warm-push", WARM_UP, Duration.ZERO, PUSH_STAGES, notifyBaton());
        drain();
        notifierSecret("lat-push");
        Latencies burst = triggerLatency("lat-push", TRIGGERS, Duration.ZERO, PUSH_STAGES, notifyBaton());
        drain();
        notifierSecret("paced-push");
        Latencies paced = triggerLatency("paced-push", TRIGGERS, PACE, PUSH_STAGES, notifyBaton());
        drain();
        BenchReport.publish("9a-push-latency", List.of(
                        new BenchReport.Row("9a. Trigger latency in push mode (notification → downstream attempt), "
                                + "about 2 ends a second", paced.summary(), "p99 ≤ 100 ms", withinTarget(paced)),
                        new BenchReport.Row("9a. The same, a burst of 200 ends within 9 s", burst.summary(),
                                "p99 ≤ 100 ms", withinTarget(burst))),
                """
                #### 9a. Trigger latency in push mode

                Benchmark 1 with notifying upstreams: each of the 200 upstream workflows runs `+work` and then the
                README's `+notify_baton` (`http>` POST to `/api/v1/digdag/main/notifications`, the notifier token as
                the project secret `http.authorization`), which the emulator sends the instant `+work` ends. Rules
                wait for `+work`; the workflows are in `baton.watch.push.workflows`, so their task lists are polled
                only at the safety net's pace (10 min). Latency: from the end of `+work` (the notification's
                departure; it reaches Baton over the loopback) to the creation of the downstream attempt, both on the
                emulator's exact clock. A warm-up round of 20 triggers is not counted. Run twice: as benchmark 1
                (every `+work` takes 1 s plus up to 9 s at random, so the 200 ends come within about 9 s, some
                22 a second), and paced (upstream *i*'s `+work` takes *i* × 0.5 s longer: about 2 ends a second).

                | Upstream ends | Triggers | p50 | p95 | p99 | max |
                |---|---|---|---|---|---|
                """ + paced.tableRow("about 2 a second") + burst.tableRow("a burst, about 22 a second")
                + "\nWhere the time goes, about 2 a second:\n\n" + paced.stageTable()
                + "\nWhere the time goes, a burst:\n\n" + burst.stageTable());
    }

    private static boolean withinTarget(Latencies latencies) {
        return latencies.percentile(99).compareTo(Duration.ofMillis(100)) <= 0;
    }

    @Test
    @Order(2)
    void digdagRequestsOfTaskRulesOnNotifyingWorkflows() {
        // The same 100 running attempts (ten one-hour tasks each) in each project: polled ones, notifying ones.
        runningWorkflows(watched, "load", WORKFLOWS);
        runningWorkflows(watched, "pload", WORKFLOWS);
        await().atMost(Duration.ofMinutes(1)).until(() -> meters.gauge("baton.watch.followed.attempts") == 2 * WORKFLOWS);

        StringBuilder table = new StringBuilder("""
                | 1,000 rules wait for | Requests/s | Requests per poll cycle | Task-list reads/s | ÷ rules on attempts |
                |---|---|---|---|---|
                """);
        List<Window> windows = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            rules.replaceAll(IntStream.range(0, RULES).mapToObj(i -> BenchRules.rule("req-" + mode.ordinal() + "-" + i,
                    mode.project, "report", List.of(BenchRules.digdag(mode.project, "wf-" + i % WORKFLOWS,
                            mode.onTasks ? "+wf-" + i % WORKFLOWS + "+t" + i / WORKFLOWS % 10 : null)))).toList());
            // A whole idle interval first: task lists wanted or no longer wanted settle into their pace.
            hold(Duration.ofSeconds(11));
            // The safety net reads each notifying attempt once per its interval: push mode is counted over one.
            windows.add(window(mode == Mode.PUSH ? watchConfig.push().safetyNetInterval() : WINDOW));
        }
        Window onAttempts = windows.get(Mode.ATTEMPTS.ordinal());
        for (Mode mode : Mode.values()) {
            Window w = windows.get(mode.ordinal());
            table.append(format("| %s | %.1f | %.2f | %.1f | %.2f× |%n", mode.label, w.perSecond(), w.perCycle(),
                    w.taskListsPerSecond(), w.perCycle() / onAttempts.perCycle()));
        }
        double ratio = windows.get(Mode.PUSH.ordinal()).perCycle() / onAttempts.perCycle();
        double polledRatio = windows.get(Mode.POLL.ordinal()).perCycle() / onAttempts.perCycle();
        drain();
        BenchReport.publish("9b-push-requests", List.of(
                        new BenchReport.Row("9b. Digdag requests, 1,000 task rules on 100 notifying workflows ÷ rules "
                                + "on attempts", format("%.2f× (polled task rules: %.2f×)", ratio, polledRatio),
                                "≤ 1.1×", ratio <= 1.1)),
                """
                #### 9b. Digdag requests of task rules in push mode

                200 attempts run throughout (ten one-hour tasks each): 100 of `load/wf-k`, polled, and 100 of
                `pload/wf-k`, listed in `baton.watch.push.workflows`. 1,000 rules (rule *i* on workflow *i* mod 100)
                wait in turn for the attempts of `load` (the baseline), for a task of `load` (poll mode), and for a
                task of `pload` (push mode). Requests are counted by the emulator after an idle interval to settle,
                with the default 1 s interval, 10 s idle interval and 10 min safety net: over %d s in the polled
                modes and over one safety-net interval (%d s) in push mode, so that each notifying attempt's
                safety-net read is counted once. No task ends in the window, so no notification arrives: what is left
                is what push mode costs while waiting. Each notification adds two requests (the attempt and its task
                list).

                """.formatted(WINDOW.toSeconds(), watchConfig.push().safetyNetInterval().toSeconds()) + table + """

                Attempt status comes from one list page per 100 attempts each cycle in every mode. Polled task rules
                add one task-list read per running attempt each cycle; in push mode the safety net reads each
                notifying attempt's task list once per `safety-net-interval`, so its cost is (running notifying
                attempts ÷ safety-net interval) requests per second on top of the pages, whatever the number of
                rules.
                """);
    }

    private enum Mode {
        ATTEMPTS("load", false, "the attempts (baseline)"),
        POLL("load", true, "a task, polled"),
        PUSH("pload", true, "a task of a notifying workflow (push)");

        final String project;
        final boolean onTasks;
        final String label;

        Mode(String project, boolean onTasks, String label) {
            this.project = project;
            this.onTasks = onTasks;
            this.label = label;
        }
    }

    /** Requests the emulator answered in one window, all and task lists, and Baton's poll cycles in it. */
    private record Window(double seconds, long requests, long taskLists, long cycles) {
        double perSecond() {
            return requests / seconds;
        }

        double perCycle() {
            return requests / (double) Math.max(1, cycles);
        }

        double taskListsPerSecond() {
            return taskLists / seconds;
        }
    }

    private Window window(Duration length) {
        long requests = requests(watched);
        long taskLists = taskListReads();
        Meters.Snapshot before = meters.snapshot();
        hold(length);
        Meters.Snapshot after = meters.snapshot();
        return new Window((after.nanos() - before.nanos()) / 1e9, requests(watched) - requests,
                taskListReads() - taskLists, after.cycles() - before.cycles());
    }

    private long taskListReads() {
        return watched.requestCount(DigdagEndpoint.ATTEMPT_TASKS.key());
    }
}
