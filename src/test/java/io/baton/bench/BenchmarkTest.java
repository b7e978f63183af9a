package io.baton.bench;

import io.baton.BatonTestServices;
import io.baton.digdag.client.DigdagEndpoint;
import io.baton.digdag.client.SessionTimes;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.EmulatedProject;
import io.baton.emulator.TaskSpec;
import io.baton.emulator.WorkflowSpec;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventsConfig;
import io.baton.rules.RuleExpressions;
import io.baton.trigger.TriggerCondition;
import io.baton.trigger.UpstreamEvent;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import static io.baton.emulator.TaskSpec.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Baton's benchmarks 1 to 6 at the default 1 s poll interval, against the emulator in automatic mode, with the real
 * PostgreSQL and Kafka. Each prints its figures and adds them to {@code target/bench/results.md}. Run with
 * {@code ./baton bench}; never part of {@code mvn test}.
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@QuarkusTestResource(BatonTestServices.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BenchmarkTest extends BenchBase {

    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final int EXPRESSION_RULES = 1_000;
    private static final String EXPRESSION_FILTER = "data.state == 'success' && data.task.endsWith('+load')";
    private static final String EXPRESSION_CONDITION = "load && (other || late)";
    private static final String TRIGGER_CHANNEL = "trigger-events";

    @Inject
    EventsConfig events;

    @Inject
    RuleExpressions ruleExpressions;

    @Inject
    KafkaClientService kafkaClients;

    private long idleResidentMiB;
    private long idleHeapMiB;

    @Test
    @Order(1)
    void triggerLatency() {
        System.gc();
        idleResidentMiB = Meters.residentMiB();
        idleHeapMiB = Meters.heapUsedMiB();
        triggerLatency("warm-1s", 20);
        drain();
        Latencies latencies = triggerLatency("lat-1s", 200);
        drain();
        boolean met = latencies.percentile(50).compareTo(Duration.ofSeconds(1)) <= 0
                && latencies.percentile(99).compareTo(Duration.ofSeconds(2)) <= 0;
        BenchReport.publish("1a-latency-1s",
                List.of(new BenchReport.Row("1. Trigger latency, 1 s interval", latencies.summary(),
                        "p50 ≤ 1 s, p99 ≤ 2 s", met)),
                """
                #### 1. Trigger latency

                From the end of an upstream task to the creation of the downstream attempt, both read from the
                emulator's exact clock (its API, like Digdag's, shows whole seconds). 200 rules, each waiting for the
                task `work` of its own upstream workflow and starting its own downstream workflow; the 200 upstream
                attempts start together and their tasks end 1 to 10 s later, spread evenly over poll cycles. The path
                measured: watcher poll → outbox → Kafka → trigger engine → PostgreSQL ledger → `PUT /api/attempts`.
                A warm-up round of 20 triggers before each measured one is not counted.

                | Poll interval | Triggers | p50 | p95 | p99 | max |
                |---|---|---|---|---|---|
                """ + latencies.tableRow("1 s") + "\nWhere the time goes, at 1 s:\n\n" + latencies.stageTable());
    }

    @Test
    @Order(2)
    void digdagLoadVersusRules() {
        int workflows = 100;
        DigdagEmulator polled = BenchEmulators.polled();
        runningWorkflows(watched, "load", workflows);
        List<String> polledAttempts = runningWorkflows(polled, "load", workflows);
        await().atMost(Duration.ofMinutes(1)).until(() -> meters.gauge("baton.watch.followed.attempts") == workflows);

        StringBuilder table = new StringBuilder("""
                | Rules wait for | Rules | Baton (req/s) | Baton (req per poll cycle) | Per-rule pollers (req/s) | Pollers ÷ Baton |
                |---|---|---|---|---|---|
                """);
        List<BenchReport.Row> rows = new ArrayList<>();
        for (boolean onTasks : List.of(false, true)) {
            Load withOneRule = null;
            Load withMostRules = null;
            for (int count : List.of(1, 100, 1000)) {
                rules.replaceAll(IntStream.range(0, count).mapToObj(i -> BenchRules.rule(
                        "load-" + (onTasks ? "t" : "a") + "-" + i, "load", "report", List.of(BenchRules.digdag("load",
                                "wf-" + i % workflows, onTasks ? "+wf-" + i % workflows + "+t" + i / workflows % 10 : null))))
                        .toList());
                List<String> paths = IntStream.range(0, count).mapToObj(i -> "/api/attempts/"
                        + polledAttempts.get(i % workflows) + (onTasks ? "/tasks" : "")).toList();
                Load load;
                try (PerRulePollers pollers = new PerRulePollers(polled.url(), paths, Duration.ofSeconds(1))) {
                    hold(Duration.ofSeconds(2));
                    load = load(polled, WINDOW);
                }
                withOneRule = count == 1 ? load : withOneRule;
                withMostRules = load;
                table.append(format("| %s | %d | %.1f | %.2f | %.1f | %.1f× |%n", onTasks ? "a task (`+wf+tN`)"
                        : "the attempt", count, load.batonPerSecond(), load.batonPerCycle(), load.pollersPerSecond(),
                        load.pollersPerSecond() / load.batonPerSecond()));
            }
            double ratio = withMostRules.batonPerCycle() / withOneRule.batonPerCycle();
            rows.add(new BenchReport.Row("2. Digdag load, 1,000 vs 1 rule, rules on " + (onTasks ? "tasks" : "attempts"),
                    format("%.2f× per poll cycle (%.1f vs %.1f req/s; pollers: %.0f req/s)", ratio,
                            withMostRules.batonPerSecond(), withOneRule.batonPerSecond(),
                            withMostRules.pollersPerSecond()), "≤ 1.1×", ratio <= 1.1));
        }
        drain();
        polled.clear();
        BenchReport.publish("2-load", rows, """
                #### 2. Digdag load versus number of rules

                100 workflows run on Digdag (one attempt each, 10 tasks of an hour); 1, 100 or 1,000 rules wait for
                them (rule *i* waits for workflow *i* mod 100, or for one of its tasks). Baton polls every 1 s with its
                defaults. In the same run, per-rule pollers poll an identical second emulator once per rule per
                second, as a polling CLI does (`GET /api/attempts/{id}`, or `/tasks` for a task); Digdag's `require>`
                polls the same way, backing off to every 10 s. Requests counted by each emulator over %d s; the
                target is judged per poll cycle, since on a busy machine Baton skips a cycle now and then (a cycle that
                is still running when the next is due is skipped), which lowers its requests per second.

                """.formatted(WINDOW.toSeconds()) + table + """

                Baton's load does not depend on the number of rules: attempt status comes from one list page per
                100 attempts. With rules on tasks it reads the task list of each running attempt of a referenced
                workflow every interval, so it grows with the number of *running workflows that rules name* (here
                1 → 100 when going from 1 to 100 rules) and then stays flat from 100 to 1,000 rules.
                """);
    }

    /** Requests Baton's emulator and the pollers' received in one window; per cycle too, as a busy machine skips some. */
    private record Load(double batonPerSecond, double batonPerCycle, double pollersPerSecond) {
    }

    private Load load(DigdagEmulator polled, Duration window) {
        long baton = requests(watched);
        long pollers = requests(polled);
        Meters.Snapshot before = meters.snapshot();
        hold(window);
        Meters.Snapshot after = meters.snapshot();
        double seconds = (after.nanos() - before.nanos()) / 1e9;
        long batonRequests = requests(watched) - baton;
        return new Load(batonRequests / seconds, batonRequests / (double) Math.max(1, after.cycles() - before.cycles()),
                (requests(polled) - pollers) / seconds);
    }

    @Test
    @Order(3)
    void ruleEngineThroughput() {
        int ruleCount = 10_000;
        List<Map<String, Object>> all = new ArrayList<>(IntStream.range(0, ruleCount).mapToObj(i -> BenchRules.rule(
                "tp-" + i, "tp", "report", List.of(BenchRules.digdag("tp", "wf-" + i, "+wf-" + i + "+load"),
                        BenchRules.digdag("tp-other", "wf-" + i, null)))).toList());
        IntStream.range(0, EXPRESSION_RULES).mapToObj(BenchmarkTest::expressionRule).forEach(all::add);
        rules.replaceAll(all);
        settle();

        AtomicLong peakResident = new AtomicLong();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "bench-rss"));
        sampler.scheduleAtFixedRate(() -> peakResident.accumulateAndGet(Meters.residentMiB(), Math::max), 0, 100,
                TimeUnit.MILLISECONDS);
        Throughput unmatched;
        Throughput matching;
        Throughput withExpressions;
        Duration celPerEvent;
        try {
            unmatched = consume(100_000, i -> completion("tp-none", "wf-" + i % 1000, null, String.valueOf(i)));
            // The first transactions of a run are slow (JIT, connection pool); without this the row measured first loses.
            consume(2 * EXPRESSION_RULES, i -> i % 2 == 0 ? plainEvent(i / 2, SESSION.minusDays(1))
                    : expressionEvent(i / 2, SESSION.minusDays(1)));
            long plainBefore = conditions("tp-%");
            long expressionBefore = conditions("tx-%");
            double matchedBefore = meters.counter("baton.trigger.events.matched");
            matching = consume(ruleCount, i -> plainEvent(i, SESSION));
            assertThat(meters.counter("baton.trigger.events.matched") - matchedBefore)
                    .as("matched, a batch redelivered after a rebalance counted again").isGreaterThanOrEqualTo(ruleCount);
            assertThat(conditions("tp-%") - plainBefore).isEqualTo(ruleCount);
            // The same number of events on the expression rules: ten sessions of each, so every one is a new condition.
            matchedBefore = meters.counter("baton.trigger.events.matched");
            withExpressions = consume(ruleCount, i -> expressionEvent(i, SESSION.plusDays(i / EXPRESSION_RULES)));
            assertThat(meters.counter("baton.trigger.events.matched") - matchedBefore)
                    .as("matched, a batch redelivered after a rebalance counted again").isGreaterThanOrEqualTo(ruleCount);
            assertThat(conditions("tx-%") - expressionBefore).isEqualTo(ruleCount);
            celPerEvent = celEvaluation(100_000);
        } finally {
            sampler.shutdownNow();
        }
        long loadHeapMiB = Meters.heapUsedMiB();

        BenchReport.publish("3-throughput", List.of(
                new BenchReport.Row("3a. Rule engine, events matching no rule (11,000 rules)",
                        format("%,.0f events/s", unmatched.perSecond()), "≥ 50,000/s", unmatched.perSecond() >= 50_000),
                new BenchReport.Row("3b. Rule engine, events satisfying a condition (PostgreSQL write)",
                        format("%,.0f events/s", matching.perSecond()), "≥ 5,000/s", matching.perSecond() >= 5_000),
                new BenchReport.Row("3c. Rule engine, the same on expression rules (CEL filter and condition)",
                        format("%,.0f events/s", withExpressions.perSecond()), "none set", null),
                new BenchReport.Row("3d. CEL work per event of 3c, in-process (data to CEL, filter, condition)",
                        format("%.1f µs", celPerEvent.toNanos() / 1e3), "none set", null)),
                """
                #### 3. Rule-engine throughput

                11,000 rules registered. 10,000 plain ones (`match: all`) each wait for a task of their own workflow
                and for a second workflow; 1,000 expression rules each wait for a task with a CEL `filter`
                (`data.state == 'success' && data.task.endsWith('+load')`) and two workflows, combined by the
                `condition` `load && (other || late)`. One event satisfies one upstream without firing the rule.
                Events are built, then published to Baton's events topic with a plain Kafka producer as CloudEvents
                in binary mode, as the outbox relay writes them, while the trigger engine's consumer is paused
                (`KafkaClientService`); then the consumer is resumed and the clock starts. The engine consumes them in
                batches of up to 500 records with one transaction each; the rate is events over the time from the
                resume until `baton.trigger.events.consumed` (counted after each batch's commit) has counted the
                last. Rows 2 and 3 differ in the expressions (row 3 evaluates the filter on each event and
                the condition after each new satisfied upstream) and in how the events spread (10,000 rules × 1
                session, 1,000 rules × 10 sessions); the CEL work itself is measured apart, below the table. Before
                rows 2 and 3, 2,000 events (half of each kind, another session) warm the transaction path up.

                | Events | Count | Published in (before the clock) | Consumed, matched and committed in | Rate |
                |---|---|---|---|---|
                """ + unmatched.tableRow("match no rule (index look-up only)")
                        + matching.tableRow("satisfy one condition of a plain rule each (PostgreSQL writes, one transaction per batch)")
                        + withExpressions.tableRow("satisfy one filtered upstream of an expression rule each (filter, "
                        + "transaction, condition)")
                        + format("%nThe CEL work alone that row 3 adds to each event — the event's data turned into CEL "
                        + "values, the filter and the condition evaluated — takes %.1f µs (mean of 100,000 in one thread "
                        + "of the same JVM, after as many to warm up).%n", celPerEvent.toNanos() / 1e3));
        BenchReport.publish("6-memory", List.of(
                new BenchReport.Row("6. Resident memory (RSS), idle → under load 3",
                        format("%d MiB → %d MiB", idleResidentMiB, peakResident.get()), "none set", null)),
                """
                #### 6. Memory

                Resident set size (`VmRSS` of `/proc/self/status`) of the JVM that runs Baton — and, in this harness,
                also the emulators and the benchmark code — with `-Xmx768m`. Idle: after start, before benchmark 1.
                Under load: the peak sampled every 100 ms during benchmark 3 (11,000 rules indexed).

                | | RSS | Heap used |
                |---|---|---|
                """ + format("| idle | %d MiB | %d MiB |%n| under load 3 (peak) | %d MiB | %d MiB (at the end) |%n",
                idleResidentMiB, idleHeapMiB, peakResident.get(), loadHeapMiB));
    }

    private record Throughput(String label, int count, Duration published, Duration consumed) {
        double perSecond() {
            return count / (consumed.toNanos() / 1e9);
        }

        String tableRow(String what) {
            return format("| %s | %,d | %s | %s | %,.0f/s |%n", what, count, seconds(published), seconds(consumed),
                    perSecond());
        }
    }

    /**
     * Publishes {@code count} completion events while the trigger engine's consumer is paused, then resumes it and
     * times it until it has handled them all (each batch counted once its transaction committed): the engine's own
     * rate, not the harness's producer.
     */
    private Throughput consume(int count, IntFunction<DigdagCompletion> event) {
        double target = meters.counter("baton.trigger.events.consumed") + count;
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BatonTestServices.KAFKA,
                ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        List<ProducerRecord<String, String>> records = IntStream.range(0, count).mapToObj(i -> record(event.apply(i)))
                .toList();
        KafkaConsumer<Object, Object> engine = kafkaClients.getConsumer(TRIGGER_CHANNEL);
        engine.pause().await().atMost(Duration.ofSeconds(30));
        long published;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            long sending = System.nanoTime();
            records.forEach(producer::send);
            producer.flush();
            published = System.nanoTime() - sending;
        } catch (RuntimeException e) {
            engine.resume().await().atMost(Duration.ofSeconds(30));
            throw e;
        }
        long start = System.nanoTime();
        engine.resume().await().atMost(Duration.ofSeconds(30));
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(20))
                .until(() -> meters.counter("baton.trigger.events.consumed") >= target);
        return new Throughput("", count, Duration.ofNanos(published), Duration.ofNanos(System.nanoTime() - start));
    }

    private static DigdagCompletion completion(String project, String workflow, String task, String attemptId) {
        return completion(project, workflow, task, attemptId, SESSION);
    }

    private static DigdagCompletion completion(String project, String workflow, String task, String attemptId,
                                               OffsetDateTime session) {
        Instant now = Instant.now();
        return new DigdagCompletion("main", project, workflow, task, task == null ? null : "1", attemptId, attemptId,
                "uuid-" + attemptId, SessionTimes.format(session), session.toLocalDate(), "success", null,
                now, now, "http://digdag/attempts/" + attemptId, null, null);
    }

    /** A completion of the task plain rule {@code tp-i} waits for. */
    private static DigdagCompletion plainEvent(int i, OffsetDateTime session) {
        return completion("tp", "wf-" + i, "+wf-" + i + "+load", "p" + i + "-" + session.toLocalDate(), session);
    }

    /** A completion that passes the filter of expression rule {@code tx-(i mod 1,000)}. */
    private static DigdagCompletion expressionEvent(int i, OffsetDateTime session) {
        int rule = i % EXPRESSION_RULES;
        return completion("tx", "wf-" + rule, "+wf-" + rule + "+load", "x" + i + "-" + session.toLocalDate(), session);
    }

    private static long conditions(String rulePattern) {
        return QuarkusTransaction.requiringNew().call(() -> TriggerCondition.count("ruleName like ?1", rulePattern));
    }

    /** Mean time of what an expression rule adds to an event of benchmark 3c, after as many runs to warm up. */
    private Duration celEvaluation(int count) {
        DigdagCompletion completion = completion("tx", "wf-0", "+wf-0+load", "cel");
        UpstreamEvent event = UpstreamEvent.of(completion.eventId(), completion, mapper.valueToTree(completion));
        Map<String, Boolean> values = Map.of("load", true, "other", false, "late", false);
        long start = 0;
        for (int round = 0; round < 2; round++) {
            start = System.nanoTime();
            int asExpected = 0;
            for (int i = 0; i < count; i++) {
                if (ruleExpressions.filter(EXPRESSION_FILTER, event.filterInput())
                        && !ruleExpressions.condition(EXPRESSION_CONDITION, values)) {
                    asExpected++;
                }
            }
            assertThat(asExpected).isEqualTo(count);
        }
        return Duration.ofNanos((System.nanoTime() - start) / count);
    }

    /** Rule {@code tx-i}: a filtered task of {@code tx/wf-i} and one of two other workflows, in CEL. */
    private static Map<String, Object> expressionRule(int i) {
        Map<String, Object> load = new HashMap<>(BenchRules.digdag("tx", "wf-" + i, "+wf-" + i + "+load"));
        load.put("id", "load");
        load.put("filter", EXPRESSION_FILTER);
        Map<String, Object> other = new HashMap<>(BenchRules.digdag("tx-other", "wf-" + i, null));
        other.put("id", "other");
        Map<String, Object> late = new HashMap<>(BenchRules.digdag("tx-late", "wf-" + i, null));
        late.put("id", "late");
        Map<String, Object> rule = new HashMap<>(BenchRules.rule("tx-" + i, "tx", "report", List.of(load, other, late)));
        rule.put("condition", EXPRESSION_CONDITION);
        return rule;
    }

    /** The record as Baton's outbox relay writes it: CloudEvents binary mode, keyed by workflow. */
    private ProducerRecord<String, String> record(DigdagCompletion completion) {
        ProducerRecord<String, String> record;
        try {
            record = new ProducerRecord<>(events.topic(), completion.workflowKey(), mapper.writeValueAsString(completion));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        Map.of("ce_specversion", "1.0", "ce_id", completion.eventId(), "ce_type", completion.type(),
                        "ce_source", "http://digdag", "ce_subject", completion.subject(),
                        "ce_time", completion.finishedAt().toString(), "content-type", "application/json")
                .forEach((name, value) -> record.headers().add(name, value.getBytes(StandardCharsets.UTF_8)));
        return record;
    }

    @Test
    @Order(4)
    void watcherAndDigdagCost() {
        int workflows = 100;
        int sessions = 10;
        int tasksPerAttempt = 50;
        EmulatedProject project = watched.project("watch");
        for (int k = 0; k < workflows; k++) {
            project.workflow("wf-" + k, tasks(tasksPerAttempt, t -> task("t" + t).withDuration(Duration.ofSeconds(5))));
        }
        // Digdag-like costs per call: 3.5 ms per 100-attempt page, 5 ms per 10 tasks, 1 ms for one attempt (assumed).
        watched.faults().perCallCost(DigdagEndpoint.ATTEMPTS.key(), Duration.ofNanos(3_500_000))
                .perCallCost(DigdagEndpoint.ATTEMPT_TASKS.key(), Duration.ofMillis(5L * tasksPerAttempt / 10))
                .perCallCost(DigdagEndpoint.ATTEMPT.key(), Duration.ofMillis(1));
        rules.replaceAll(IntStream.range(0, workflows).mapToObj(k -> BenchRules.rule("watch-a-" + k, "watch", "report",
                List.of(BenchRules.digdag("watch", "wf-" + k, null)))).toList());
        for (int s = 0; s < sessions; s++) {
            for (int k = 0; k < workflows; k++) {
                watched.startAttempt("watch", "wf-" + k, SESSION.plusDays(s), Map.of());
            }
        }
        int attempts = workflows * sessions;
        await().atMost(Duration.ofMinutes(1)).until(() -> meters.gauge("baton.watch.followed.attempts") == attempts);

        StringBuilder table = new StringBuilder("""
                | Task lists read for | Digdag per-call cost | Cycles | Mean cycle | Baton CPU | Calls per cycle (by endpoint) | Digdag time per second |
                |---|---|---|---|---|---|---|
                """);
        hold(Duration.ofSeconds(3));
        Window attemptsOnly = measure(Duration.ofSeconds(15));
        table.append(attemptsOnly.tableRow("no attempt (rules on attempts only)", "on"));

        rules.replaceAll(IntStream.range(0, sessions).mapToObj(s -> BenchRules.rule("watch-t-" + s, "watch", "report",
                List.of(BenchRules.digdag("watch", "wf-0", "+wf-0+t" + (tasksPerAttempt - 1 - s))))).toList());
        hold(Duration.ofSeconds(3));
        Window oneWorkflow = measure(Duration.ofSeconds(15));
        table.append(oneWorkflow.tableRow("the 10 attempts of 1 workflow that rules name tasks of", "on"));

        watched.faults().clear();
        rules.replaceAll(IntStream.range(0, workflows).mapToObj(k -> BenchRules.rule("watch-t-" + k, "watch", "report",
                List.of(BenchRules.digdag("watch", "wf-" + k, "+wf-" + k + "+t" + (tasksPerAttempt - 1))))).toList());
        hold(Duration.ofSeconds(5));
        Window allTasks = measure(Duration.ofSeconds(15));
        table.append(allTasks.tableRow("all 1,000 attempts (every workflow has a task rule)", "off"));
        drain();

        BenchReport.publish("4-watcher", List.of(
                new BenchReport.Row("4. Watcher CPU, 1,000 running attempts × 50 tasks, 1 s",
                        format("%.2f cores reading pages only; %.2f cores reading all 1,000 task lists (%.0f calls per cycle)",
                                attemptsOnly.cores(), allTasks.cores(), allTasks.callsPerCycle()),
                        "< 1 core", Math.max(attemptsOnly.cores(), allTasks.cores()) < 1)),
                """
                #### 4. Watcher cost

                1,000 attempts running at once (100 workflows × 10 sessions, 50 sequential tasks each, a task ends
                every 5–14 s per attempt), polled every 1 s with the default `task-fetch=referenced`. Baton CPU is the
                process's CPU time minus that of the emulator's and the harness's threads, per second of wall time
                (1.00 = one core busy). Calls come from Baton's `baton.digdag.requests` timer. The last row has no
                per-call cost: at 25 ms per 50-task list one cycle would take 25 s of Digdag time.

                """ + table);
        BenchReport.publish("5-digdag-cost", List.of(
                new BenchReport.Row("5. Digdag time per second, 1,000 running attempts, 1 s",
                        format("%.1f ms/s (task lists of 10 attempts: %.1f ms/s)", attemptsOnly.digdagMillisPerSecond(),
                                oneWorkflow.digdagMillisPerSecond()), "≤ 50 ms/s",
                        attemptsOnly.digdagMillisPerSecond() <= 50)),
                """
                #### 5. Digdag-side cost

                Same set-up as 4, the emulator answering with a Digdag-like cost per call: 3.5 ms per 100-attempt list
                page, 25 ms per 50-task list (5 ms per 10 tasks), 1 ms for one attempt (an assumption; not given).
                Digdag time is the sum of the response times Baton's client saw, per second of wall time.

                | Task lists read for | Calls/s by endpoint | Digdag time per second |
                |---|---|---|
                """ + attemptsOnly.costRow("no attempt (rules on attempts only)")
                        + oneWorkflow.costRow("the 10 attempts of 1 workflow that rules name tasks of"));
    }

    private Window measure(Duration window) {
        Meters.Snapshot before = meters.snapshot();
        hold(window);
        return new Window(before, meters.snapshot());
    }

    /** Figures of one measurement window. */
    private record Window(Meters.Snapshot before, Meters.Snapshot after) {

        double seconds() {
            return (after.nanos() - before.nanos()) / 1e9;
        }

        long cycles() {
            return after.cycles() - before.cycles();
        }

        double cores() {
            return ((after.processCpu() - before.processCpu()) - (after.harnessCpu() - before.harnessCpu())) / 1e9
                    / seconds();
        }

        Map<String, Long> calls() {
            Map<String, Long> calls = new java.util.TreeMap<>();
            after.clientCalls().forEach((endpoint, count) -> {
                long delta = count - before.clientCalls().getOrDefault(endpoint, 0L);
                if (delta > 0) {
                    calls.put(endpoint, delta);
                }
            });
            return calls;
        }

        double callsPerCycle() {
            return calls().values().stream().mapToLong(Long::longValue).sum() / (double) Math.max(1, cycles());
        }

        double digdagMillisPerSecond() {
            double nanos = after.clientNanos().entrySet().stream()
                    .mapToDouble(e -> e.getValue() - before.clientNanos().getOrDefault(e.getKey(), 0.0)).sum();
            return nanos / 1e6 / seconds();
        }

        String perEndpoint(double divisor) {
            return String.join(", ", calls().entrySet().stream()
                    .map(e -> format("`%s` %.1f", e.getKey(), e.getValue() / divisor)).toList());
        }

        String tableRow(String tasksReadFor, String cost) {
            double cycleMillis = (after.cycleNanos() - before.cycleNanos()) / 1e6 / Math.max(1, cycles());
            return format("| %s | %s | %d in %.0f s | %.0f ms | %.2f cores | %.1f: %s | %.1f ms |%n", tasksReadFor,
                    cost, cycles(), seconds(), cycleMillis, cores(), callsPerCycle(),
                    perEndpoint(Math.max(1, cycles())), digdagMillisPerSecond());
        }

        String costRow(String tasksReadFor) {
            return format("| %s | %s | %.1f ms |%n", tasksReadFor, perEndpoint(seconds()), digdagMillisPerSecond());
        }
    }
}
