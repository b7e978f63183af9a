package io.baton.backtest;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClients;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.ScheduleSpec;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import static io.baton.backtest.OffTheClockProfile.advanceTo;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

@QuarkusTest
@TestProfile(OffTheClockProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class BacktestTest {

    private static final LocalTime ON_TIME = LocalTime.of(5, 30);
    private static final LocalTime LATE = LocalTime.of(8, 15);
    private static final LocalTime SCHEDULE = LocalTime.of(7, 0);

    @Inject
    DigdagClients clients;

    @Inject
    BacktestConfig config;

    private final DigdagEmulator emulator = OffTheClockProfile.emulator();

    @Test
    void aFortnightWithThreeLateUpstreamsNamesExactlyThoseDaysAndTheMinutesGained() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String game = "game-" + suffix;
        String bi = "bi-" + suffix;
        LocalDate day0 = LocalDate.ofInstant(emulator.now(), ZoneOffset.UTC).plusDays(1);
        advanceTo(at(day0, LocalTime.MIDNIGHT));
        emulator.project(game).workflow("etl", "UTC", sequence(task("extract"), task("load")));
        emulator.project(bi).workflow("daily_report", "UTC", sequence(task("build")), ScheduleSpec.daily("07:00:00"));
        Set<LocalDate> late = Set.of(day0.plusDays(2), day0.plusDays(6), day0.plusDays(11));

        Map<String, Long> expectedGain = new TreeMap<>();
        for (int i = 0; i < 14; i++) {
            LocalDate day = day0.plusDays(i);
            advanceTo(at(day, LocalTime.of(1, 0)));
            String upstream = emulator.startAttempt(game, "etl", day.atStartOfDay().atOffset(ZoneOffset.UTC), Map.of());
            LocalTime done = late.contains(day) ? LATE : ON_TIME;
            for (LocalTime time : done.isBefore(SCHEDULE) ? List.of(done, SCHEDULE) : List.of(SCHEDULE, done)) {
                advanceTo(at(day, time));
                if (time.equals(done)) {
                    emulator.completeAll(upstream);
                }
            }
            Attempt scheduled = scheduledAttempt(bi, day);
            emulator.completeAll(scheduled.id());
            // What the emulator's clock says, to the second: the load ended, the schedule started the report.
            Instant loaded = emulator.taskEndedAt(upstream, "+etl+load").truncatedTo(ChronoUnit.SECONDS);
            Instant started = emulator.attemptCreatedAt(scheduled.id()).truncatedTo(ChronoUnit.SECONDS);
            expectedGain.put(session(day), Duration.between(loaded, started).toSeconds());
        }

        Map<String, Object> body = Map.of("rule", OffTheClockProfile.rule(game, bi), "from", day0.toString(),
                "to", day0.plusDays(13).toString());
        long begin = System.nanoTime();
        JsonNode result = given().urlEncodingEnabled(false).auth().oauth2(TestTokens.reader()).contentType(ContentType.JSON).body(body)
                .post("/api/v1/rules:backtest").then().statusCode(200).extract().as(JsonNode.class);
        double seconds = (System.nanoTime() - begin) / 1e9;

        assertThat(result.path("sessions")).hasSize(14);
        List<String> lateSessions = late.stream().sorted().map(BacktestTest::session).toList();
        assertThat(result.path("summary").path("startedBeforeUpstreams")).extracting(JsonNode::asText)
                .containsExactlyElementsOf(lateSessions);
        assertThat(result.path("summary").path("neverFired")).isEmpty();
        Map<String, Long> gained = new TreeMap<>();
        result.path("sessions").forEach(row -> gained.put(row.path("downstreamSession").asText(),
                row.path("gainedSeconds").asLong()));
        assertThat(gained).isEqualTo(expectedGain);
        assertThat(expectedGain.values()).containsOnly(90 * 60L, -75 * 60L);
        assertThat(result.path("summary").path("gainedMinutesMedian").asDouble()).isEqualTo(90.0);
        assertThat(result.path("summary").path("gainedMinutesP90").asDouble()).isEqualTo(90.0);

        // Two project look-ups, two session pages and one task list per upstream session (a task condition).
        int requests = result.path("requests").asInt();
        assertThat(requests).isEqualTo(18);
        double perSecond = (requests - 1) / seconds;
        System.out.printf("backtest pacing: %d requests to Digdag in %.2f s = %.2f requests/s (setting %.1f)%n",
                requests, seconds, perSecond, config.maxRequestsPerSecond());
        assertThat(perSecond).isLessThanOrEqualTo(config.maxRequestsPerSecond());
    }

    @Test
    void badRangesAndBodiesAreProblemsNamingTheField() {
        Map<String, Object> rule = OffTheClockProfile.rule("game", "bi");
        expectProblem(Map.of("rule", rule, "from", "2026-01-01", "to", "2026-04-01"), "to");
        expectProblem(Map.of("rule", rule, "from", "2026-01-05", "to", "2026-01-01"), "to");
        expectProblem(Map.of("rule", rule, "to", "2026-01-01"), "from");
        expectProblem(Map.of("rule", rule, "from", "yesterday", "to", "2026-01-01"), "from");
        expectProblem(Map.of("name", "x", "rule", rule, "from", "2026-01-01", "to", "2026-01-02"), "rule");
        given().urlEncodingEnabled(false).auth().oauth2(TestTokens.reader()).contentType(ContentType.JSON)
                .body(Map.of("name", "no-such-rule", "from", "2026-01-01", "to", "2026-01-02"))
                .post("/api/v1/rules:backtest").then().statusCode(404);
    }

    private static void expectProblem(Map<String, Object> body, String field) {
        given().urlEncodingEnabled(false).auth().oauth2(TestTokens.reader()).contentType(ContentType.JSON).body(body)
                .post("/api/v1/rules:backtest").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItem(equalTo(field)));
    }

    private Attempt scheduledAttempt(String project, LocalDate day) {
        List<Attempt> attempts = clients.client(OffTheClockProfile.SERVER)
                .attempts(new AttemptQuery(project, "daily_report", true, null, 100)).stream()
                .filter(a -> a.sessionTime().toInstant().equals(at(day, LocalTime.MIDNIGHT))).toList();
        assertThat(attempts).as("the schedule's attempt of " + day).hasSize(1);
        return attempts.get(0);
    }


    static Instant at(LocalDate day, LocalTime time) {
        return day.atTime(time).toInstant(ZoneOffset.UTC);
    }

    static String session(LocalDate day) {
        return day + "T00:00:00+00:00";
    }
}
