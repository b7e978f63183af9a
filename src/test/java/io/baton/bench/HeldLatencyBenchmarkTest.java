package io.baton.bench;

import io.baton.BatonTestServices;
import io.baton.emulator.EmulatedProject;
import io.baton.events.EventsConfig;
import io.baton.trigger.TriggerRun;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.awaitility.Awaitility.await;

/**
 * Benchmark 8, trigger latency held under load: upstream attempts end at a steady rate (10,000 a minute) for minutes,
 * across 500 rules, against the emulator in automatic mode at the default 1 s poll interval. Run alone with
 * {@code ./baton bench -Dtest=HeldLatencyBenchmarkTest} ({@code -Dbench.held.seconds=60} for a shorter run).
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class HeldLatencyBenchmarkTest extends BenchBase {

    private static final String PROJECT = "held";
    private static final int RULES = 500;
    private static final int PER_MINUTE = Integer.getInteger("bench.held.per-minute", 10_000);
    private static final Duration DRAIN = Duration.ofSeconds(Long.getLong("bench.held.drain-seconds", 120));
    private static final Duration WARM_UP = Duration.ofSeconds(30);
    private static final Duration RUN = Duration.ofSeconds(Long.getLong("bench.held.seconds", 300));

    @Inject
    EventsConfig events;

    /** The upstream attempt of each rule and day, and whether it started after the warm-up. */
    private final Map<String, String> upstreams = new ConcurrentHashMap<>();
    private final Map<String, Boolean> measured = new ConcurrentHashMap<>();

    @Test
    void latencyHeldAtTenThousandCompletionsAMinute() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> meters.snapshot().cycles() >= 1);
        EmulatedProject project = watched.project(PROJECT);
        for (int i = 0; i < RULES; i++) {
            project.workflow("up-" + i, sequence(task("work")));
            project.workflow("down-" + i, sequence(task("report")));
        }
        rules.replaceAll(IntStream.range(0, RULES).mapToObj(i -> BenchRules.rule(PROJECT + "-" + i, PROJECT, "down-" + i,
                List.of(BenchRules.digdag(PROJECT, "up-" + i, null)))).toList());
        settle();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BatonTestServices.KAFKA))) {
            long publishedBefore = published(admin);
            double consumedBefore = meters.counter("baton.trigger.events.consumed");
            AtomicLong maxOutbox = new AtomicLong();
            AtomicLong maxLag = new AtomicLong();
            AtomicInteger started = new AtomicInteger();
            long warmUpEnds = WARM_UP.toNanos();
            long loadEnds = WARM_UP.plus(RUN).toNanos();
            long begin = System.nanoTime();
            ScheduledExecutorService driver = Executors.newScheduledThreadPool(2, r -> new Thread(r, "bench-held"));
            // Starts attempts at the steady rate; each ends 1 to 10 s later (the automatic drive), so ends are steady too.
            driver.scheduleAtFixedRate(() -> {
                long elapsed = System.nanoTime() - begin;
                long due = Math.min(elapsed, loadEnds) * PER_MINUTE / Duration.ofMinutes(1).toNanos();
                while (started.get() < due) {
                    int n = started.getAndIncrement();
                    String key = key(PROJECT + "-" + n % RULES, n / RULES);
                    upstreams.put(key, watched.startAttempt(PROJECT, "up-" + n % RULES, SESSION.plusDays(n / RULES),
                            Map.of()));
                    measured.put(key, elapsed >= warmUpEnds);
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
            driver.scheduleAtFixedRate(() -> {
                maxOutbox.accumulateAndGet((long) meters.gauge("baton.outbox.size"), Math::max);
                maxLag.accumulateAndGet(lag(admin, publishedBefore, consumedBefore), Math::max);
            }, 0, 1, TimeUnit.SECONDS);
            await().atMost(WARM_UP.plus(RUN).plusMinutes(1)).pollInterval(Duration.ofMillis(100))
                    .until(() -> System.nanoTime() - begin >= loadEnds);
            long outboxAtEnd = (long) meters.gauge("baton.outbox.size");
            long lagAtEnd = lag(admin, publishedBefore, consumedBefore);
            driver.shutdown();
            driver.awaitTermination(10, TimeUnit.SECONDS);
            int total = started.get();
            // The last upstreams end up to 10 s after they start: then every one has fired and nothing is left.
            // Counted, not loaded: loading every run each time would take the CPU the engine needs (seen in JFR).
            // A machine that cannot keep up still gets its figures: what is left after the drain time is reported.
            boolean drainedAtAll = true;
            try {
                await().atMost(DRAIN).pollInterval(Duration.ofMillis(100))
                        .until(() -> startedCount() == total && meters.gauge("baton.outbox.size") == 0
                                && lag(admin, publishedBefore, consumedBefore) == 0);
            } catch (ConditionTimeoutException e) {
                drainedAtAll = false;
            }
            Instant lastEnded = upstreams.entrySet().stream().map(e -> watched.taskEndedAt(e.getValue(),
                    upstreamTask(e.getKey()))).filter(Objects::nonNull).max(Comparator.naturalOrder()).orElseThrow()
                    .minus(emulatorAhead());
            Duration drained = Duration.between(lastEnded, Instant.now());
            long firedAtEnd = startedCount();
            long outboxLeft = (long) meters.gauge("baton.outbox.size");
            long lagLeft = lag(admin, publishedBefore, consumedBefore);

            List<TriggerRun> runs = startedRuns(PROJECT).stream().filter(run -> measured.get(key(run))).toList();
            if (runs.isEmpty()) {
                BenchReport.publish("8-held-latency", List.of(new BenchReport.Row(format(
                        "8. Trigger latency held at %,d completions/min for %d s, %d rules, 1 s", PER_MINUTE,
                        RUN.toSeconds(), RULES), format("no upstream of the measured part fired within %s of the "
                        + "load's end: %,d of %,d upstreams fired, %d outbox rows and %d events unhandled",
                        seconds(DRAIN), firedAtEnd, total, outboxLeft, lagLeft), "p99 ≤ 2 s", false)),
                        "#### 8. Trigger latency held under load\n\nThe machine did not keep up: see the row.\n");
                return;
            }
            Latencies latencies = latencies(runs, run -> upstreams.get(key(run)),
                    run -> upstreamTask(key(run)), true, 25);
            boolean met = latencies.percentile(99).compareTo(Duration.ofSeconds(2)) <= 0;
            boolean drainedInTime = drainedAtAll && drained.compareTo(Duration.ofSeconds(5)) <= 0;
            String left = drainedAtAll ? "nothing left " + seconds(drained) + " after the last completion"
                    : format("still %,d of %,d upstreams not fired, %d outbox rows and %d events unhandled %s after "
                    + "the last completion", total - firedAtEnd, total, outboxLeft, lagLeft, seconds(drained));
            BenchReport.publish("8-held-latency", List.of(
                    new BenchReport.Row(format("8. Trigger latency held at %,d completions/min for %d s, %d rules, 1 s",
                            PER_MINUTE, RUN.toSeconds(), RULES), latencies.summary(), "p99 ≤ 2 s", met),
                    new BenchReport.Row("8. Outbox backlog and consumer lag at the end of the load (max during it)",
                            format("%d rows, %d events (max %d rows, %d events); %s", outboxAtEnd, lagAtEnd,
                                    maxOutbox.get(), maxLag.get(), left),
                            "0 within 5 s of the last completion", drainedInTime)),
                    """
                    #### 8. Trigger latency held under load

                    %d rules, each waiting for the attempt of its own upstream workflow (one task) and starting its own
                    downstream workflow. The harness starts upstream attempts at a steady %,d a minute, rule after
                    rule, a new session each time; the emulator's automatic drive ends each 1 to 10 s later, so
                    completions arrive at the same steady rate (and the downstream attempts' completions, which match
                    no rule, come on top). %d s of warm-up at the same rate, then %d s measured: every trigger whose
                    upstream started in the measured part counts (%,d triggers). Latency is from the upstream's end to
                    the downstream attempt's creation, both by the emulator's clock, as in 1. Backlog: rows of the
                    outbox not yet sent, and events on the topic that the trigger engine has not yet handled (sent
                    minus `baton.trigger.events.consumed`), sampled every second; "nothing left" is the time from
                    the last upstream's end (by the emulator's clock) until every upstream has fired and both are 0,
                    read every 100 ms (it includes the watcher's poll interval).

                    | Completions/min | Rules | Triggers | p50 | p95 | p99 | max |
                    |---|---|---|---|---|---|---|
                    """.formatted(RULES, PER_MINUTE, WARM_UP.toSeconds(), RUN.toSeconds(), runs.size())
                            + format("| %,d | %d | %,d | %s | %s | %s | %s |%n", PER_MINUTE, RULES, runs.size(),
                            seconds(latencies.percentile(50)), seconds(latencies.percentile(95)),
                            seconds(latencies.percentile(99)), seconds(latencies.max()))
                            + "\nWhere the time goes (every 25th trigger):\n\n" + latencies.stageTable()
                            + format("%nBatches the trigger engine handled: %s.%n", batches()));
        }
        drain();
    }

    /** The task of the upstream attempt of rule {@code held-i} (its only one): {@code +up-i+work}. */
    private static String upstreamTask(String key) {
        return "+up-" + key.substring(PROJECT.length() + 1, key.indexOf('/')) + "+work";
    }

    private static long startedCount() {
        return QuarkusTransaction.requiringNew().call(() -> TriggerRun.count("ruleName like ?1 and attemptId is not null",
                PROJECT + "-%"));
    }

    private static String key(String rule, long day) {
        return rule + "/" + day;
    }

    private static String key(TriggerRun run) {
        LocalDate day = run.downstreamSession.toLocalDate();
        return key(run.ruleName, ChronoUnit.DAYS.between(SESSION.toLocalDate(), day));
    }

    /** Events on Baton's topic not yet handled by the trigger engine: sent since the start minus consumed since. */
    private long lag(Admin admin, long publishedBefore, double consumedBefore) {
        return Math.max(0, published(admin) - publishedBefore
                - (long) (meters.counter("baton.trigger.events.consumed") - consumedBefore));
    }

    private long published(Admin admin) {
        try {
            var partitions = admin.describeTopics(List.of(events.topic())).allTopicNames().get().get(events.topic())
                    .partitions().stream().map(p -> new TopicPartition(events.topic(), p.partition()))
                    .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
            return admin.listOffsets(partitions).all().get().values().stream().mapToLong(o -> o.offset()).sum();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    private String batches() {
        var summary = registry.find("baton.trigger.batch.size").summary();
        return summary == null ? "none" : format("%,d, of %.1f events on average", summary.count(), summary.mean());
    }
}
