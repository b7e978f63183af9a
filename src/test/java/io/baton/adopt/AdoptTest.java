package io.baton.adopt;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.BatonTestServices;
import io.baton.KafkaTestConsumer;
import io.baton.TestTokens;
import io.baton.backtest.OffTheClockProfile;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.DigdagClients;
import io.baton.digdag.client.Schedule;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.ScheduleSpec;
import io.baton.events.EventsConfig;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.baton.KafkaTestConsumer.header;
import static io.baton.backtest.OffTheClockProfile.advanceTo;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The path off the clock on the emulator, with the real trigger engine: a shadow rule beside the downstream's
 * schedule, then adopt (the rule starts it, the schedule is off), then unadopt; a Digdag refusal changes nothing.
 */
@QuarkusTest
@TestProfile(OffTheClockProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class AdoptTest {

    private static final String DISABLE = "POST /api/schedules/{id}/disable";

    @Inject
    DigdagClients clients;

    @Inject
    EventsConfig events;

    private final DigdagEmulator emulator = OffTheClockProfile.emulator();
    private String game;
    private String bi;

    private static RequestSpecification as(String token) {
        return given().urlEncodingEnabled(false).auth().oauth2(token).contentType(ContentType.JSON);
    }

    @Test
    void shadowThenAdoptThenUnadopt() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        game = "game-" + suffix;
        bi = "bi-" + suffix;
        String rule = "report-" + suffix;
        LocalDate day0 = LocalDate.ofInstant(emulator.now(), ZoneOffset.UTC).plusDays(1);
        advanceTo(at(day0, LocalTime.MIDNIGHT));
        emulator.project(game).workflow("etl", "UTC", sequence(task("extract"), task("load")));
        emulator.project(bi).workflow("daily_report", "UTC", sequence(task("build")), ScheduleSpec.daily("07:00:00"));
        as(TestTokens.writer("bi")).body(shadowRule(rule)).put("/api/v1/rules/" + rule).then().statusCode(201);
        long startsBefore = emulator.requestCount("PUT /api/attempts");

        // Shadow: three days, each would-be fire recorded once at 05:30, the schedule starting the report at 07:00.
        try (KafkaTestConsumer triggerEvents = new KafkaTestConsumer(events.triggersTopic())) {
            for (int i = 0; i < 3; i++) {
                LocalDate day = day0.plusDays(i);
                runUpstream(day);
                await().atMost(Duration.ofSeconds(30)).until(() -> "shadow".equals(run(rule, day).path("run")
                        .path("state").asText()));
                advanceTo(at(day, LocalTime.of(7, 0)));
                Attempt scheduled = onlyAttempt(day);
                assertThat(scheduled.createdAt()).isEqualTo(at(day, LocalTime.of(7, 0)));
                JsonNode beside = run(rule, day).path("downstream");
                assertThat(beside.path("attemptId").asText()).isEqualTo(scheduled.id());
                assertThat(beside.path("startedAt").asText()).isEqualTo(at(day, LocalTime.of(7, 0)).toString());
                emulator.completeAll(scheduled.id());
            }
            var records = triggerEvents.awaitRecords(rs -> rs.stream().filter(r -> rule.equals(r.key())).count() >= 3,
                    Duration.ofSeconds(30));
            assertThat(triggerEvents.drain(Duration.ofSeconds(1)).stream().filter(r -> rule.equals(r.key()))
                    .map(r -> header(r, "ce_type"))).containsExactly("io.baton.trigger.shadow",
                    "io.baton.trigger.shadow", "io.baton.trigger.shadow");
            assertThat(records).isNotEmpty();
        }
        assertThat(emulator.requestCount("PUT /api/attempts")).as("starts sent by the shadow rule")
                .isEqualTo(startsBefore);
        JsonNode runs = runs(rule);
        assertThat(runs).hasSize(3);

        // A refusal and an outage of Digdag change nothing.
        Schedule schedule = schedule();
        long version = version(rule);
        emulator.faults().respondWith(DISABLE, 400, 1);
        as(TestTokens.writer("bi")).post("/api/v1/rules/" + rule + ":adopt").then().statusCode(409)
                .contentType("application/problem+json");
        emulator.faults().respondWith(DISABLE, 503, 10);
        as(TestTokens.writer("bi")).post("/api/v1/rules/" + rule + ":adopt").then().statusCode(502)
                .contentType("application/problem+json");
        emulator.faults().clear();
        assertThat(version(rule)).isEqualTo(version);
        assertThat(mode(rule)).isEqualTo("shadow");
        assertThat(schedule().disabled()).isFalse();
        assertThat(history(rule).findValuesAsText("action")).doesNotContain("adopt");
        as(TestTokens.writer("game")).post("/api/v1/rules/" + rule + ":adopt").then().statusCode(403);
        assertThat(schedule().disabled()).isFalse();

        // Adopt: the rule is active, the schedule off; the sessions the schedule already started are respected.
        JsonNode adopted = as(TestTokens.writer("bi")).post("/api/v1/rules/" + rule + ":adopt").then()
                .statusCode(200).extract().as(JsonNode.class);
        assertThat(adopted.path("rule").path("mode").asText()).isEqualTo("active");
        assertThat(schedule().disabled()).isTrue();
        JsonNode adoption = history(rule).path("items").get(0);
        assertThat(adoption.path("action").asText()).isEqualTo("adopt");
        assertThat(adoption.path("detail").path("scheduleId").asText()).isEqualTo(schedule.id());
        assertThat(adoption.path("detail").path("disabledAt").asText()).isEqualTo(schedule().disabledAt().toString());
        await().atMost(Duration.ofSeconds(30)).until(() -> runs(rule).findValuesAsText("state").stream()
                .allMatch("already_existed"::equals));
        for (int i = 0; i < 3; i++) {
            onlyAttempt(day0.plusDays(i));
        }

        // The next day the rule starts the report at 05:30, and the clock starts nothing at 07:00.
        LocalDate day3 = day0.plusDays(3);
        runUpstream(day3);
        await().atMost(Duration.ofSeconds(30)).until(() -> !attempts(day3).isEmpty());
        assertThat(onlyAttempt(day3).createdAt()).isEqualTo(at(day3, LocalTime.of(5, 30)));
        assertThat(run(rule, day3).path("run").path("state").asText()).isEqualTo("started");
        advanceTo(at(day3, LocalTime.of(7, 0)));
        advanceTo(at(day3.plusDays(1), LocalTime.of(8, 0)));
        assertThat(attempts(day3)).hasSize(1);
        assertThat(attempts(day3.plusDays(1))).as("the schedule is off").isEmpty();

        // Unadopt: the schedule runs again from its next slot, without the one it missed; the rule is in shadow.
        JsonNode unadopted = as(TestTokens.writer("bi")).post("/api/v1/rules/" + rule + ":unadopt").then()
                .statusCode(200).extract().as(JsonNode.class);
        assertThat(unadopted.path("rule").path("mode").asText()).isEqualTo("shadow");
        assertThat(schedule().disabled()).isFalse();
        assertThat(schedule().nextRunTime()).isEqualTo(at(day3.plusDays(2), LocalTime.of(7, 0)));
        advanceTo(at(day3.plusDays(1), LocalTime.of(9, 0)));
        assertThat(attempts(day3.plusDays(1))).as("the missed session is not started").isEmpty();
        JsonNode unadoption = history(rule).path("items").get(0);
        assertThat(unadoption.path("action").asText()).isEqualTo("unadopt");
        assertThat(unadoption.path("detail").path("scheduleId").asText()).isEqualTo(schedule.id());
        assertThat(history(rule).findValuesAsText("action")).containsSubsequence("unadopt", "adopt", "create");
    }

    private void runUpstream(LocalDate day) {
        advanceTo(at(day, LocalTime.of(1, 0)));
        String upstream = emulator.startAttempt(game, "etl", day.atStartOfDay().atOffset(ZoneOffset.UTC), Map.of());
        advanceTo(at(day, LocalTime.of(5, 30)));
        emulator.completeAll(upstream);
    }

    private Map<String, Object> shadowRule(String name) {
        Map<String, Object> rule = OffTheClockProfile.rule(game, bi);
        rule.put("name", name);
        rule.put("mode", "shadow");
        return rule;
    }

    private DigdagClient digdag() {
        return clients.client(OffTheClockProfile.SERVER);
    }

    private Schedule schedule() {
        return digdag().schedule(digdag().projectByName(bi).orElseThrow().id(), "daily_report").orElseThrow();
    }

    private List<Attempt> attempts(LocalDate day) {
        return digdag().attempts(new AttemptQuery(bi, "daily_report", true, null, 100)).stream()
                .filter(a -> a.sessionTime().toInstant().equals(at(day, LocalTime.MIDNIGHT))).toList();
    }

    private Attempt onlyAttempt(LocalDate day) {
        List<Attempt> attempts = attempts(day);
        assertThat(attempts).as("attempts of the report's session " + day).hasSize(1);
        return attempts.get(0);
    }

    private static JsonNode runs(String rule) {
        return as(TestTokens.reader()).get("/api/v1/rules/" + rule + "/runs").then().statusCode(200).extract()
                .as(JsonNode.class);
    }

    private static JsonNode run(String rule, LocalDate day) {
        for (JsonNode run : runs(rule)) {
            if (run.path("run").path("downstreamSession").asText().startsWith(day + "T00:00:00")) {
                return run;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static JsonNode history(String rule) {
        return as(TestTokens.reader()).get("/api/v1/rules/" + rule + "/history").then().statusCode(200).extract()
                .as(JsonNode.class);
    }

    private static long version(String rule) {
        return as(TestTokens.reader()).get("/api/v1/rules/" + rule).then().statusCode(200).extract()
                .jsonPath().getLong("version");
    }

    private static String mode(String rule) {
        return as(TestTokens.reader()).get("/api/v1/rules/" + rule).then().statusCode(200).extract()
                .jsonPath().getString("mode");
    }

    private static Instant at(LocalDate day, LocalTime time) {
        return day.atTime(time).toInstant(ZoneOffset.UTC);
    }
}
