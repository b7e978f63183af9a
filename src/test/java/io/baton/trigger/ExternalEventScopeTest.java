package io.baton.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.BatonTestServices;
import io.baton.KafkaTestConsumer;
import io.baton.Rows;
import io.baton.TestTokens;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClients;
import io.baton.emulator.DigdagEmulator;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventsConfig;
import io.baton.problem.HostileInputProfile;
import io.baton.problem.Problem;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** External events in their own id space, type claims by teams, and the caller recorded for events and fires. */
@QuarkusTest
@TestProfile(HostileInputProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class ExternalEventScopeTest {

    private static final OffsetDateTime DAY = OffsetDateTime.parse("2026-11-24T00:00:00+09:00");

    @Inject
    DigdagClients clients;

    @Inject
    EventsConfig events;

    @Inject
    ObjectMapper mapper;

    private final DigdagEmulator emulator = BatonTestServices.emulator();

    private static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Map<String, Object> event(String id, String type, String source) {
        return Map.of("specversion", "1.0", "id", id, "type", type, "source", source,
                "data", Map.of("sessionDate", "2026-11-24"));
    }

    /** Team bi's rule: when upstream's +etl+load succeeded, start downstream's report for the same day. */
    private static String register(String upstream, String downstream) {
        String name = unique("squat");
        Map<String, Object> rule = new HashMap<>();
        rule.put("name", name);
        rule.put("team", "bi");
        rule.put("upstreams", List.of(Map.of("digdag", Map.of("server", "main", "project", upstream, "workflow",
                "etl", "task", "+etl+load"))));
        rule.put("correlation", Map.of("by", "session_date", "zone", "Asia/Tokyo"));
        rule.put("action", Map.of("server", "main", "project", downstream, "workflow", "report"));
        as(TestTokens.writer("bi")).body(rule).put("/api/v1/rules/" + name).then().statusCode(201);
        return name;
    }

    private List<Attempt> attempts(String project, String workflow) {
        return clients.client("main").attempts(new AttemptQuery(project, workflow, true, null, 100));
    }

    @Test
    void aSquattedIdCannotHideADigdagCompletion() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String upstream = "game-" + suffix;
        String downstream = "bi-" + suffix;
        emulator.project(upstream).workflow("etl", "Asia/Tokyo", sequence(task("extract"), task("load")));
        emulator.project(downstream).workflow("report", "Asia/Tokyo", sequence(task("build")));
        register(upstream, downstream);
        String attempt = emulator.startAttempt(upstream, "etl", DAY, Map.of());

        // The id Baton's watcher will give the load task's success, built by the watcher's own code.
        String loadTaskId = emulator.tasks(attempt).stream().filter(t -> t.fullName().equals("+etl+load"))
                .findFirst().orElseThrow().id();
        String squatted = DigdagCompletion.eventId("main", clients.client("main").attempt(attempt).sessionUuid(),
                attempt, loadTaskId, "success");
        as(TestTokens.writer("crm")).body(event(squatted, "com.example.squat", "urn:squatter"))
                .post("/api/v1/events").then().statusCode(202).body("id", equalTo(squatted));

        emulator.completeAll(attempt);
        await().atMost(Duration.ofSeconds(30)).until(() -> !attempts(downstream, "report").isEmpty());
        assertThat(attempts(downstream, "report")).singleElement().extracting(Attempt::sessionTime).isEqualTo(DAY);
        assertThat(Rows.count("event_outbox WHERE event_id = '" + squatted + "'"))
                .as("the squatter's event and the completion, one per source").isEqualTo(2);
    }

    @Test
    void sourcesOfDigdagServersAndOfBatonAreReserved() {
        String digdag = emulator.url();
        for (String source : List.of(digdag, digdag + "/", digdag.toUpperCase(), digdag + "/api/attempts/1",
                events.source(), events.source() + ":trigger")) {
            as(TestTokens.writer("crm")).body(event(unique("r"), "com.example.reserved", source))
                    .post("/api/v1/events").then().statusCode(403)
                    .contentType(Problem.MEDIA_TYPE)
                    .body("errors[0].field", equalTo("source"));
        }
        assertThat(Rows.count("event_outbox WHERE type = 'com.example.reserved'")).isZero();
    }

    @Test
    void aClaimedTypeIsPublishedByItsTeamOnlyAndEveryEventIsAudited() {
        String type = HostileInputProfile.CLAIMED_TYPES + "orders";
        String refused = unique("refused");
        as(TestTokens.writer("crm")).body(event(refused, type, "urn:crm")).post("/api/v1/events").then()
                .statusCode(403).contentType(Problem.MEDIA_TYPE);
        String byTeam = unique("sales");
        as(TestTokens.writer("sales")).body(event(byTeam, type, "urn:sales")).post("/api/v1/events").then()
                .statusCode(202);
        as(TestTokens.admin()).body(event(unique("admin"), type, "urn:sales")).post("/api/v1/events").then()
                .statusCode(202);
        String open = unique("open");
        as(TestTokens.writer("crm")).body(event(open, "com.example.unclaimed", "urn:crm")).post("/api/v1/events")
                .then().statusCode(202);

        assertThat(Rows.count("event_outbox WHERE event_id = '" + refused + "'")).isZero();
        assertThat(Rows.count("caller_audit WHERE action = 'event' AND reference = '" + type + " " + refused + "'")).isZero();
        assertThat(Rows.count("caller_audit WHERE action = 'event' AND actor = 'sales-writer' AND team = 'sales' "
                + "AND target = 'urn:sales' AND reference = '" + type + " " + byTeam + "'")).isEqualTo(1);
        assertThat(Rows.count("caller_audit WHERE action = 'event' AND actor = 'crm-writer' AND reference LIKE '% "
                + open + "'")).isEqualTo(1);
    }

    @Test
    void aFireRecordsItsCallerInTheAuditAndTheTriggerEvent() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String downstream = "bi-" + suffix;
        emulator.project(downstream).workflow("report", "Asia/Tokyo", sequence(task("build")));
        String rule = register("game-" + suffix, downstream);
        try (KafkaTestConsumer triggerEvents = new KafkaTestConsumer(events.triggersTopic())) {
            as(TestTokens.writer("bi")).post("/api/v1/rules/" + rule + "/fire?session=2026-11-24").then()
                    .statusCode(201);
            var records = triggerEvents.awaitRecords(rs -> rs.stream().anyMatch(r -> rule.equals(r.key())),
                    Duration.ofSeconds(20));
            JsonNode data = mapper.readTree(records.stream().filter(r -> rule.equals(r.key())).findFirst()
                    .orElseThrow().value());
            assertThat(data.path("requestedBy").asText()).isEqualTo("bi-writer");
            assertThat(data.path("manual").asBoolean()).isTrue();
        }
        assertThat(Rows.count("caller_audit WHERE action = 'fire' AND actor = 'bi-writer' AND team = 'bi' AND target = '"
                + rule + "' AND session = '2026-11-24T00:00:00+09:00'")).isEqualTo(1);
    }
}
