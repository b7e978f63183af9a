package io.baton.trigger;

import io.baton.BatonTestServices;
import io.baton.PackagedBaton;
import io.baton.TestTokens;
import io.baton.emulator.DigdagEmulator;
import io.baton.digdag.client.SessionTimes;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged application killed (SIGKILL) in the middle of a cascade rerun game/etl → eikaiwa/etl → bi/report and
 * started again: eikaiwa is not rerun twice, and bi's rerun, caused by eikaiwa's rerun ending while Baton was down,
 * is not missed. Only Baton's own process is killed; PostgreSQL, Kafka and the emulator stay up.
 */
class RerunCascadeCrashRestartIT {

    private static final OffsetDateTime DAY = OffsetDateTime.parse("2026-11-24T00:00:00+09:00");
    private static final OffsetDateTime NEXT_DAY = DAY.plusDays(1);

    private final BatonTestServices services = new BatonTestServices();
    private final DigdagEmulator emulator = BatonTestServices.emulator();
    private PackagedBaton baton;

    @BeforeEach
    void start() throws IOException {
        Map<String, String> config = services.start();
        // A short lease, so that a rerun claimed when the process died is taken over soon after the restart.
        baton = new PackagedBaton(config, Path.of("target", "rerun-crash-restart-baton.log"),
                "baton.trigger.start-lease=5s", "baton.trigger.rerun-recheck=1s");
    }

    @AfterEach
    void stop() {
        baton.close();
        services.stop();
    }

    private void register(String name, String team, String upstream, String project, String workflow) {
        Map<String, Object> rule = Map.of("name", name, "team", team,
                "upstreams", List.of(Map.of("digdag", Map.of("server", BatonTestServices.DIGDAG_SERVER,
                        "project", upstream, "workflow", "etl"))),
                "correlation", Map.of("by", "session_date", "zone", "Asia/Tokyo"),
                "action", Map.of("server", BatonTestServices.DIGDAG_SERVER, "project", project, "workflow", workflow),
                "onUpstreamRerun", "rerun");
        given().baseUri(baton.url()).auth().oauth2(TestTokens.writer(team)).contentType(ContentType.JSON).body(rule)
                .put("/api/v1/rules/" + name).then().statusCode(201);
    }

    /** Ids of the workflow's attempts for the session, oldest first, as Digdag's API lists them. */
    private List<String> attempts(String project, String workflow, OffsetDateTime session) {
        List<Map<String, Object>> attempts = given().baseUri(emulator.url()).queryParam("project", project)
                .queryParam("workflow", workflow).queryParam("include_retried", true).queryParam("page_size", 100)
                .get("/api/attempts").then().statusCode(200).extract().jsonPath().getList("attempts");
        String sessionTime = SessionTimes.format(session);
        return attempts.stream().filter(attempt -> sessionTime.equals(attempt.get("sessionTime")))
                .map(attempt -> String.valueOf(attempt.get("id")))
                .sorted(Comparator.comparingLong(Long::parseLong)).toList();
    }

    private String awaitAttempts(String project, String workflow, OffsetDateTime session, int count) {
        await().atMost(Duration.ofSeconds(60)).until(() -> attempts(project, workflow, session).size() >= count);
        List<String> attempts = attempts(project, workflow, session);
        assertThat(attempts).hasSize(count);
        return attempts.get(count - 1);
    }

    @Test
    void aKillMidCascadeRepeatsNoRerunAndMissesNone() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String game = "game-" + suffix;
        String eikaiwa = "eikaiwa-" + suffix;
        String bi = "bi-" + suffix;
        emulator.project(game).workflow("etl", "Asia/Tokyo", sequence(task("extract"), task("load")));
        emulator.project(eikaiwa).workflow("etl", "Asia/Tokyo", sequence(task("extract"), task("load")));
        emulator.project(bi).workflow("report", "Asia/Tokyo", sequence(task("build"), task("publish")));

        baton.launch();
        register("eikaiwa-on-game-" + suffix, "eikaiwa", game, eikaiwa, "etl");
        register("bi-on-eikaiwa-" + suffix, "bi", eikaiwa, bi, "report");
        for (OffsetDateTime day : List.of(DAY, NEXT_DAY)) {
            emulator.completeAll(emulator.startAttempt(game, "etl", day, Map.of()));
            emulator.completeAll(awaitAttempts(eikaiwa, "etl", day, 1));
            emulator.completeAll(awaitAttempts(bi, "report", day, 1));
        }

        emulator.completeAll(emulator.startAttempt(game, "etl", DAY, Map.of(), "fix-1"));
        String eikaiwaRerun = awaitAttempts(eikaiwa, "etl", DAY, 2);
        // Killed as soon as eikaiwa's rerun is in Digdag: its ledger row may not record it yet.
        baton.kill();
        emulator.completeAll(eikaiwaRerun);
        baton.launch();

        String biRerun = awaitAttempts(bi, "report", DAY, 2);
        emulator.completeAll(biRerun);
        await().atMost(Duration.ofSeconds(60)).until(() -> baton.count("trigger_rerun "
                + "WHERE state = 'started'") == 2);
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(15)).until(() ->
                attempts(eikaiwa, "etl", DAY).size() == 2 && attempts(bi, "report", DAY).size() == 2
                        && attempts(eikaiwa, "etl", NEXT_DAY).size() == 1 && attempts(bi, "report", NEXT_DAY).size() == 1);
        assertThat(baton.count("trigger_rerun")).isEqualTo(2);
        assertThat(baton.count("trigger_rerun WHERE attempt_id = '" + eikaiwaRerun + "'"))
                .isEqualTo(1);
        assertThat(baton.count("trigger_rerun WHERE attempt_id = '" + biRerun + "'"))
                .isEqualTo(1);
    }
}
