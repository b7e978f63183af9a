package io.baton.watch;

import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.baton.emulator.DigdagEmulator;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** How many Digdag calls the watcher makes per cycle while 200 attempts run (task-fetch=referenced, the default). */
@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
class WatchCallsTest {

    @Inject
    MeterRegistry registry;

    private final DigdagEmulator emulator = BatonTestServices.emulator();

    private long cycles() {
        Timer poll = registry.find("baton.watch.poll").timer();
        return poll == null ? 0 : poll.count();
    }

    @Test
    void statusOfTwoHundredRunningAttemptsCostsAtMostTwoListCallsAndTasksAreReadOnlyWhereARuleNeedsThem() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String referenced = "ref-" + suffix;
        String unreferenced = "unref-" + suffix;
        for (String project : List.of(referenced, unreferenced)) {
            emulator.project(project).workflow("etl", "UTC", sequence(task("extract"), task("load")));
        }
        emulator.project("report-" + suffix).workflow("daily", "UTC", sequence(task("build")));
        given().auth().oauth2(TestTokens.writer("bi")).contentType(ContentType.JSON)
                .body(Map.of("name", "calls-" + suffix, "team", "bi",
                        "upstreams", List.of(Map.of("digdag", Map.of("server", "main", "project", referenced,
                                "workflow", "etl", "task", "+etl+load"))),
                        "action", Map.of("server", "main", "project", "report-" + suffix, "workflow", "daily")))
                .put("/api/v1/rules/calls-" + suffix).then().statusCode(201);

        // The class starts on a reset emulator: the watcher follows nothing, so every call counted below is for these.
        assertThat(QuarkusTransaction.requiringNew().call(() -> WatchedAttempt.count())).isZero();
        List<String> attempts = new ArrayList<>();
        OffsetDateTime day = OffsetDateTime.parse("2026-01-01T00:00:00+00:00");
        for (int i = 0; i < 200; i++) {
            String project = i < 20 ? referenced : unreferenced;
            attempts.add(emulator.startAttempt(project, "etl", day.plusDays(i), Map.of()));
        }
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> QuarkusTransaction.requiringNew().call(() ->
                    WatchedAttempt.count("project in ?1", List.of(referenced, unreferenced)) == 200
                            && WatchedAttempt.count("project = ?1 and taskStates is not null", referenced) == 20));

            emulator.resetCounts();
            long before = cycles();
            await().atMost(Duration.ofSeconds(30)).until(() -> cycles() >= before + 5);
            Map<String, Long> counts = emulator.requestCounts();
            long cycles = cycles() - before;

            long listCalls = counts.getOrDefault("GET /api/attempts", 0L);
            long taskCalls = counts.getOrDefault("GET /api/attempts/{id}/tasks", 0L);
            long singleCalls = counts.getOrDefault("GET /api/attempts/{id}", 0L);
            // One cycle may straddle the reset on each side.
            assertThat(listCalls).isBetween(cycles, 2 * (cycles + 1));
            assertThat(taskCalls).isBetween(20 * (cycles - 1), 20 * (cycles + 1));
            assertThat(singleCalls).isZero();
        } finally {
            attempts.forEach(emulator::completeAll);
        }
    }
}
