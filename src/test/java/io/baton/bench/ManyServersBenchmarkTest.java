package io.baton.bench;

import io.baton.BatonTestServices;
import io.baton.emulator.DigdagEmulator;
import io.baton.events.OutboxEvent;
import io.baton.watch.WatchConfig;
import io.baton.watch.WatchReplica;
import io.baton.watch.WatchService;
import io.baton.watch.WatchedServer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.awaitility.Awaitility.await;

/**
 * Twenty emulated Digdag servers watched by three Baton replicas in one JVM (each with its own id, leases, memory and
 * workers, its heartbeat driven as its own thread would): the leases each replica holds, how long the others take to
 * take over a killed replica's servers, and whether a server answering in 5 s raises the others' event latency. Run
 * alone with {@code ./baton bench -Dtest=ManyServersBenchmarkTest} (about a minute after the build).
 */
@Tag("bench")
@QuarkusTest
@TestProfile(ManyServersProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class ManyServersBenchmarkTest {

    private static final OffsetDateTime SESSION = OffsetDateTime.parse("2026-01-01T00:00:00Z");
    private static final Duration SLOW = Duration.ofSeconds(5);
    private static final int ROUNDS = 5;

    @Inject
    WatchService watchService;

    @Inject
    WatchConfig config;

    /** Server name → its emulator. */
    private final Map<String, DigdagEmulator> emulators = emulators();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(3);
    private final Map<String, WatchReplica> replicas = new LinkedHashMap<>();
    private final Map<String, ScheduledFuture<?>> schedules = new HashMap<>();

    @Test
    void threeReplicasShareTwentyServers() {
        long interval = config.interval().toMillis();
        Instant started = Instant.now();
        for (String id : List.of("replica-a", "replica-b", "replica-c")) {
            WatchReplica replica = watchService.replica(id + "-" + UUID.randomUUID().toString().substring(0, 4));
            replicas.put(id, replica);
            // Under the replica's lock, so that the kill below can wait for a heartbeat still running.
            Runnable heartbeat = () -> {
                synchronized (replica) {
                    replica.heartbeat();
                }
            };
            schedules.put(id, scheduler.scheduleAtFixedRate(heartbeat, 0, replica.heartbeatPeriod().toMillis(),
                    TimeUnit.MILLISECONDS));
        }
        String[] seen = {""};
        try {
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50)).until(() -> {
                seen[0] = replicas.values().stream().map(r -> r.id() + "=" + r.held()).collect(Collectors.joining("; "));
                return heldCount() == 20
                        && replicas.values().stream().allMatch(r -> r.held().size() >= 6 && r.held().size() <= 7);
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("leases never settled; last seen " + seen[0], e);
        }
        Duration settled = Duration.between(started, Instant.now());
        // A server's first cycle takes its position ("now"): what ended before it is not reported.
        await().atMost(Duration.ofMinutes(1)).until(() -> QuarkusTransaction.requiringNew().call(() ->
                WatchedServer.count("highWater = -1")) == 0);
        Map<String, Integer> leases = new TreeMap<>();
        replicas.forEach((id, r) -> leases.put(id, r.held().size()));

        Latency quiet = latencyOfOthers(null);
        String slowServer = ManyServersProfile.server(1);
        emulators.get(slowServer).faults().latency(SLOW);
        Latency withSlow = latencyOfOthers(slowServer);
        emulators.get(slowServer).faults().clear();
        String slowOwner = replicas.entrySet().stream().filter(e -> e.getValue().held().contains(slowServer))
                .map(Map.Entry::getKey).findFirst().orElse("none");

        // Kill replica-c: no more heartbeats, nothing handed back, as after a crash.
        schedules.get("replica-c").cancel(false);
        Instant killed;
        // Dead from the end of its last heartbeat: the slowest case, its leases as fresh as they can be.
        synchronized (replicas.get("replica-c")) {
            killed = Instant.now();
        }
        Set<String> orphaned = Set.copyOf(replicas.get("replica-c").held());
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(20)).until(() -> {
            Set<String> held = new HashSet<>(replicas.get("replica-a").held());
            held.addAll(replicas.get("replica-b").held());
            return held.containsAll(orphaned);
        });
        Duration takeOver = Duration.between(killed, Instant.now());
        Map<String, Integer> after = Map.of("replica-a", replicas.get("replica-a").held().size(),
                "replica-b", replicas.get("replica-b").held().size());
        scheduler.shutdown();
        awaitTermination(scheduler);
        replicas.get("replica-a").close();
        replicas.get("replica-b").close();

        double intervals = takeOver.toMillis() / (double) interval;
        boolean evenLeases = leases.values().stream().allMatch(n -> n == 6 || n == 7);
        boolean unaffected = withSlow.sameReplica.p99().compareTo(quiet.all.p99().plusMillis(interval)) <= 0;
        BenchReport.publish("9-many-servers", List.of(
                new BenchReport.Row("9a. 20 Digdag servers, 3 replicas: leases per replica",
                        leases.values().stream().map(String::valueOf).collect(Collectors.joining(", "))
                                + " (settled in " + seconds(settled) + ")", "6 or 7 each", evenLeases),
                new BenchReport.Row("9b. Take-over of a killed replica's " + orphaned.size() + " servers",
                        seconds(takeOver) + " (" + String.format(Locale.ROOT, "%.1f", intervals) + " intervals)",
                        "≤ 2 intervals", intervals <= 2),
                new BenchReport.Row("9c. Event latency of the other servers while one answers in 5 s",
                        "p99 " + millis(withSlow.sameReplica.p99()) + " on its replica, " + millis(withSlow.all.p99())
                                + " on all; " + millis(quiet.all.p99()) + " without the slow one",
                        "not raised (≤ quiet p99 + 1 interval)", unaffected)),
                String.format(Locale.ROOT, """
                        #### 9. Many Digdag servers over replicas

                        20 Digdag API emulators (`main` and `s01`–`s19`, manual mode) watched by 3 replicas in one JVM
                        (`WatchService.replica`, each with its own replica id, leases, memory and workers, a heartbeat
                        every %d ms), %d ms interval, lease and `workers` at their defaults (1.5 intervals, 16).

                        | Figure | Value |
                        |---|---|
                        | Leases per replica (a, b, c) | %s, settled %s after the three started together |
                        | Event latency, no slow server (attempt end → outbox row), %d rounds × 20 servers | p50 %s, p99 %s, max %s |
                        | Same with `s01` answering every call in 5 s (held by %s): servers of that replica | p50 %s, p99 %s, max %s (%d events) |
                        | Same: all 19 other servers | p50 %s, p99 %s, max %s |
                        | Take-over: replica-c killed (no more heartbeats, nothing handed back) → its %d servers held by a and b | %s (%.1f intervals); then a %d, b %d |
                        """, replicas.get("replica-a").heartbeatPeriod().toMillis(), interval, leases.values(),
                        seconds(settled), ROUNDS, millis(quiet.all.p50()),
                        millis(quiet.all.p99()), millis(quiet.all.max()), slowOwner, millis(withSlow.sameReplica.p50()),
                        millis(withSlow.sameReplica.p99()), millis(withSlow.sameReplica.max()),
                        withSlow.sameReplica.sorted.size(), millis(withSlow.all.p50()), millis(withSlow.all.p99()),
                        millis(withSlow.all.max()), orphaned.size(), seconds(takeOver), intervals,
                        after.get("replica-a"), after.get("replica-b")));
    }

    private static Map<String, DigdagEmulator> emulators() {
        Map<String, DigdagEmulator> byServer = new TreeMap<>();
        byServer.put(BatonTestServices.DIGDAG_SERVER, BatonTestServices.emulator());
        List<DigdagEmulator> several = BenchEmulators.several(ManyServersProfile.SERVERS - 1);
        for (int i = 1; i < ManyServersProfile.SERVERS; i++) {
            byServer.put(ManyServersProfile.server(i), several.get(i - 1));
        }
        return byServer;
    }

    private static void awaitTermination(ScheduledExecutorService scheduler) {
        try {
            // A heartbeat still running would lock the rows that close() releases.
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int heldCount() {
        return replicas.values().stream().mapToInt(r -> r.held().size()).sum();
    }

    /** Sorted latencies, nearest-rank percentiles. */
    private record Percentiles(List<Duration> sorted) {
        Duration p50() {
            return at(50);
        }

        Duration p99() {
            return at(99);
        }

        Duration max() {
            return sorted.get(sorted.size() - 1);
        }

        private Duration at(double p) {
            return sorted.isEmpty() ? Duration.ZERO
                    : sorted.get(Math.max(0, (int) Math.ceil(p / 100 * sorted.size()) - 1));
        }
    }

    /** Latencies of all servers but the slow one, and of those on the slow one's replica. */
    private record Latency(Percentiles all, Percentiles sameReplica) {
    }

    /**
     * Ends one attempt on every server but {@code slow} at once, {@link #ROUNDS} times, and measures from each end to
     * the commit of its event in the outbox.
     */
    private Latency latencyOfOthers(String slow) {
        List<Duration> all = new ArrayList<>();
        List<Duration> sameReplica = new ArrayList<>();
        Set<String> neighbours = slow == null ? Set.of() : replicas.values().stream()
                .filter(r -> r.held().contains(slow)).findFirst().map(WatchReplica::held).orElse(Set.of());
        for (int round = 0; round < ROUNDS; round++) {
            Map<String, Instant> ended = new HashMap<>();
            for (String server : emulators.keySet()) {
                if (server.equals(slow)) {
                    continue;
                }
                DigdagEmulator emulator = emulators.get(server);
                String project = "many" + UUID.randomUUID().toString().substring(0, 8);
                emulator.project(project).workflow("etl", sequence(task("load")));
                String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
                emulator.completeAll(attempt);
                ended.put(server + "/" + project + "/etl", Instant.now());
            }
            Map<String, Instant> committed = new HashMap<>();
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).until(() -> {
                QuarkusTransaction.requiringNew().run(() -> OutboxEvent.<OutboxEvent>list(
                                "recordKey in ?1 and type = 'io.baton.digdag.attempt.succeeded'", ended.keySet())
                        .forEach(e -> committed.put(e.recordKey, e.createdAt.toInstant())));
                return committed.size() == ended.size();
            });
            ended.forEach((key, at) -> {
                Duration latency = Duration.between(at, committed.get(key));
                all.add(latency);
                if (neighbours.contains(key.substring(0, key.indexOf('/')))) {
                    sameReplica.add(latency);
                }
            });
        }
        return new Latency(new Percentiles(all.stream().sorted().toList()),
                new Percentiles(sameReplica.stream().sorted().toList()));
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.2f s", d.toMillis() / 1000.0);
    }

    private static String millis(Duration d) {
        return d.toMillis() + " ms";
    }
}
