package io.baton.watch;

import io.baton.BatonTestServices;
import io.baton.emulator.DigdagEmulator;
import io.baton.events.OutboxEvent;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

/**
 * Two Digdag servers ({@code main} and {@code solo}, each its own emulator) watched by this application's replica and,
 * where a test says so, a second replica in the same JVM with its own id, leases and memory, cycled by the test as its
 * scheduler would. Real PostgreSQL, Kafka and emulators.
 */
@QuarkusTest
@TestProfile(SoloServerProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class WatchReplicasTest {

    private static final OffsetDateTime SESSION = OffsetDateTime.parse("2026-11-24T00:00:00Z");
    private static final Map<String, DigdagEmulator> EMULATORS = Map.of(
            BatonTestServices.DIGDAG_SERVER, BatonTestServices.emulator(),
            SoloServerProfile.SERVER, SoloServerProfile.emulator());

    @Inject
    WatchService watchService;

    @Inject
    MeterRegistry registry;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() throws InterruptedException {
        scheduler.shutdownNow();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
        EMULATORS.values().forEach(e -> e.faults().clear());
    }

    private static Map<String, String> owners() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Map<String, String> owners = new java.util.TreeMap<>();
            WatchedServer.<WatchedServer>listAll().stream()
                    .filter(s -> EMULATORS.containsKey(s.server) && s.owner != null
                            && s.leaseUntil.isAfter(OffsetDateTime.now()))
                    .forEach(s -> owners.put(s.server, s.owner));
            return owners;
        });
    }

    /** Starts an attempt of a one-task workflow on a server and ends it. */
    private static String runOneAttempt(String server) {
        DigdagEmulator emulator = EMULATORS.get(server);
        String project = "rep" + UUID.randomUUID().toString().substring(0, 8);
        emulator.project(project).workflow("etl", sequence(task("load")));
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        emulator.completeAll(attempt);
        return server + "/" + project + "/etl";
    }

    /** The attempt's end (after its tasks': the root task and {@code +etl+load}) is in the outbox, once. */
    private static void awaitPublished(String key, Duration within) {
        await().atMost(within).untilAsserted(() -> assertThat(QuarkusTransaction.requiringNew().call(() ->
                OutboxEvent.<OutboxEvent>list("recordKey", key)).stream().map(e -> e.type).toList())
                .containsExactlyInAnyOrder("io.baton.digdag.task.succeeded", "io.baton.digdag.task.succeeded",
                        "io.baton.digdag.attempt.succeeded"));
    }

    private double cycles(String server) {
        Timer poll = registry.find("baton.watch.poll").tag("server", server).timer();
        return poll == null ? 0 : poll.count();
    }

    @Test
    void aServerThatHangsDoesNotDelayTheEventsOfAnother() {
        String self = watchService.replicaId();
        await().atMost(Duration.ofSeconds(20)).until(() -> owners().equals(
                Map.of(BatonTestServices.DIGDAG_SERVER, self, SoloServerProfile.SERVER, self)));
        // Every answer of solo now takes longer than the client's read timeout (10 s): its cycle hangs for ~30 s.
        SoloServerProfile.emulator().faults().latency(Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(10)).until(() -> SoloServerProfile.emulator().requestCount(
                "GET /api/attempts") > 0 && watchService.statuses().containsKey(SoloServerProfile.SERVER));
        double soloCycles = cycles(SoloServerProfile.SERVER);

        awaitPublished(runOneAttempt(BatonTestServices.DIGDAG_SERVER), Duration.ofSeconds(15));
        assertThat(cycles(SoloServerProfile.SERVER)).as("solo's cycle was still hanging meanwhile")
                .isLessThanOrEqualTo(soloCycles + 1);
    }

    @Test
    void aSecondReplicaTakesItsShareAndItsServersAreTakenOverWhenItDies() {
        String self = watchService.replicaId();
        WatchReplica second = watchService.replica("second-" + UUID.randomUUID());
        scheduler.scheduleAtFixedRate(second::heartbeat, 0, second.heartbeatPeriod().toMillis(),
                TimeUnit.MILLISECONDS);
        await().atMost(Duration.ofSeconds(60)).until(() -> owners().size() == 2
                && owners().containsValue(self) && owners().containsValue(second.id()));
        String secondsServer = second.held().iterator().next();
        String selfsServer = secondsServer.equals(SoloServerProfile.SERVER) ? BatonTestServices.DIGDAG_SERVER
                : SoloServerProfile.SERVER;

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then()
                .body(containsString("polled by another replica, " + second.id()))
                .body(containsString("polled by this replica, " + self)));
        Gauge watched = registry.find("baton.watch.server.watched").tag("replica", second.id())
                .tag("server", secondsServer).gauge();
        assertThat(watched.value()).isEqualTo(1);
        assertThat(registry.find("baton.watch.server.watched").tag("replica", self).tag("server", selfsServer)
                .gauge().value()).isEqualTo(1);
        awaitPublished(runOneAttempt(secondsServer), Duration.ofSeconds(20));

        // The second replica dies: its lease runs out and this replica takes the server over, events included.
        scheduler.shutdownNow();
        await().atMost(Duration.ofSeconds(20)).until(() -> self.equals(owners().get(secondsServer)));
        awaitPublished(runOneAttempt(secondsServer), Duration.ofSeconds(20));
        assertThat(List.copyOf(owners().values())).containsOnly(self);
    }
}
