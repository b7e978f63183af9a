package io.baton.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.BatonTestServices;
import io.baton.KafkaTestConsumer;
import io.baton.TestTokens;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClients;
import io.baton.digdag.client.DigdagJson;
import io.baton.digdag.client.SessionTimes;
import io.baton.emulator.DigdagEmulator;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventsConfig;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static io.baton.KafkaTestConsumer.header;
import static io.baton.emulator.TaskSpec.group;
import static io.baton.emulator.TaskSpec.parallel;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
@TestProfile(TriggerTestProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class TriggerEngineTest {

    private static final OffsetDateTime DAY = OffsetDateTime.parse("2026-11-24T00:00:00+09:00");

    @Inject
    DigdagClients clients;

    @Inject
    TriggerService triggers;

    @Inject
    EventsConfig events;

    @Inject
    ObjectMapper mapper;

    @Inject
    RuleIndex index;

    private final DigdagEmulator emulator = BatonTestServices.emulator();

    /** The seed's three teams, under names no other test uses. */
    private record World(String game, String eikaiwa, String bi) {
    }

    private World world() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        World world = new World("game-" + suffix, "eikaiwa-" + suffix, "bi-" + suffix);
        for (String team : List.of(world.game(), world.eikaiwa())) {
            emulator.project(team).workflow("etl", "Asia/Tokyo", sequence(task("extract"),
                    group("transform", parallel("parallel_group", task("clean_a"), task("clean_b"))), task("load")));
        }
        emulator.project(world.bi()).workflow("daily_report", "Asia/Tokyo", sequence(task("build"), task("publish")));
        return world;
    }

    private static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    private static Map<String, Object> digdag(String project, String task) {
        Map<String, Object> condition = new HashMap<>(Map.of("server", "main", "project", project, "workflow", "etl"));
        if (task != null) {
            condition.put("task", task);
        }
        return Map.of("digdag", condition);
    }

    private static Map<String, Object> dailyReport(String name, World world) {
        Map<String, Object> rule = new HashMap<>();
        rule.put("name", name);
        rule.put("team", "bi");
        rule.put("upstreams", List.of(digdag(world.game(), "+etl+load"), digdag(world.eikaiwa(), "+etl+load")));
        rule.put("correlation", Map.of("by", "session_date", "zone", "Asia/Tokyo"));
        rule.put("action", new HashMap<>(Map.of("server", "main", "project", world.bi(), "workflow", "daily_report",
                "params", Map.of("date", "${upstream.session_date}", "rule", "${rule.name}"))));
        return rule;
    }

    private static String register(Map<String, Object> rule) {
        String name = (String) rule.get("name");
        as(TestTokens.writer((String) rule.get("team"))).body(rule).put("/api/v1/rules/" + name).then().statusCode(201);
        return name;
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private String runEtl(String project, OffsetDateTime session) {
        String attempt = emulator.startAttempt(project, "etl", session, Map.of());
        emulator.completeAll(attempt);
        return attempt;
    }

    private List<Attempt> attempts(String project, String workflow) {
        return clients.client("main").attempts(new AttemptQuery(project, workflow, true, null, 100));
    }

    private JsonNode explain(String rule, String session) {
        return as(TestTokens.reader()).get("/api/v1/rules/" + rule + "/explain?session=" + session)
                .then().statusCode(200).extract().as(JsonNode.class);
    }

    @Test
    void theDailyReportStartsOnceAfterBothLoadsOfTheSameDayAndNotBefore() {
        World world = world();
        String rule = register(dailyReport(unique("bi-daily-report"), world));
        try (KafkaTestConsumer triggerEvents = new KafkaTestConsumer(events.triggersTopic())) {
            runEtl(world.game(), DAY);
            await().atMost(Duration.ofSeconds(20)).until(() -> explain(rule, "2026-11-24").path("satisfied").size() == 1);
            assertThat(explain(rule, "2026-11-24").path("missing")).hasSize(1);
            assertThat(explain(rule, "2026-11-24").path("status").asText()).isEqualTo("waiting");
            assertThat(attempts(world.bi(), "daily_report")).isEmpty();

            runEtl(world.eikaiwa(), DAY);
            await().atMost(Duration.ofSeconds(20)).until(() -> !attempts(world.bi(), "daily_report").isEmpty());
            List<Attempt> started = attempts(world.bi(), "daily_report");
            assertThat(started).hasSize(1);
            assertThat(started.get(0).sessionTime()).isEqualTo(DAY);
            assertThat(started.get(0).params().get("date").asText()).isEqualTo("2026-11-24");
            assertThat(started.get(0).params().get("rule").asText()).isEqualTo(rule);

            // Digdag is called outside any transaction, so the attempt can be seen a moment before the run is recorded.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> explain(rule, "2026-11-24").path("status").asText().equals("started"));
            JsonNode explanation = explain(rule, "2026-11-24");
            assertThat(explanation.path("run").path("attemptId").asText()).isEqualTo(started.get(0).id());
            as(TestTokens.reader()).get("/api/v1/rules/" + rule + "/runs?from=2026-11-24&to=2026-11-25").then()
                    .statusCode(200).body("size()", equalTo(1)).body("[0].run.attemptId", equalTo(started.get(0).id()));

            var records = triggerEvents.awaitRecords(rs -> rs.stream().anyMatch(r -> rule.equals(r.key())), Duration.ofSeconds(20));
            assertThat(records.stream().filter(r -> rule.equals(r.key())).map(r -> header(r, "ce_type")))
                    .containsExactly("io.baton.trigger.started");
        }
    }

    @Test
    void theSameEventTwiceAndTwoConsumersAtOnceStillFireOnce() throws Exception {
        World world = world();
        String rule = register(dailyReport(unique("twice"), world));
        OffsetDateTime session = DAY.plusDays(3);
        UpstreamEvent game = loadEvent(world.game(), session, "101");
        UpstreamEvent eikaiwa = loadEvent(world.eikaiwa(), session, "102");

        triggers.onEvent(game);
        triggers.onEvent(game);
        // Two consumers deliver the second upstream at the same moment (e.g. after a rebalance).
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> triggers.onEvent(eikaiwa));
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> triggers.onEvent(eikaiwa));
        CompletableFuture.allOf(first, second).get();

        await().atMost(Duration.ofSeconds(10)).until(() -> !attempts(world.bi(), "daily_report").isEmpty());
        assertThat(attempts(world.bi(), "daily_report")).hasSize(1);
        long conditions = QuarkusTransaction.requiringNew().call(() -> TriggerCondition.count("ruleName", rule));
        long runs = QuarkusTransaction.requiringNew().call(() -> TriggerRun.count("ruleName", rule));
        assertThat(conditions).isEqualTo(2);
        assertThat(runs).isEqualTo(1);
    }

    private static UpstreamEvent loadEvent(String project, OffsetDateTime session, String attemptId) {
        Instant finished = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        DigdagCompletion completion = new DigdagCompletion("main", project, "etl", "+etl+load", "7", attemptId, "1",
                "uuid-" + attemptId, SessionTimes.format(session), session.toLocalDate(), "success", null,
                finished, finished, "http://digdag/attempts/" + attemptId, null, null);
        return UpstreamEvent.of(completion.eventId(), completion, DigdagJson.mapper().valueToTree(completion));
    }

    @Test
    void sessionTimesAreWrittenAsDigdagWritesThemWithSecondsAndTheWorkflowsOffset() {
        World world = world();
        Map<String, Object> rule = dailyReport(unique("tokyo-session"), world);
        rule.put("upstreams", List.of(digdag(world.game(), "+etl+load")));
        rule.put("correlation", Map.of("by", "session_time", "zone", "UTC"));
        String name = register(rule);
        String tokyoMidnight = "2026-11-29T00:00:00+09:00";
        try (KafkaTestConsumer triggerEvents = new KafkaTestConsumer(events.triggersTopic())) {
            runEtl(world.game(), OffsetDateTime.parse(tokyoMidnight));
            await().atMost(Duration.ofSeconds(20)).until(() -> !attempts(world.bi(), "daily_report").isEmpty());

            JsonNode explanation = as(TestTokens.reader()).queryParam("session", tokyoMidnight)
                    .get("/api/v1/rules/" + name + "/explain").then().statusCode(200).extract().as(JsonNode.class);
            assertThat(explanation.path("satisfied").get(0).path("sessionTime").asText()).isEqualTo(tokyoMidnight);
            // The ledger keeps the rule's correlation zone (UTC here), to the second.
            assertThat(explanation.path("run").path("downstreamSession").asText())
                    .isEqualTo("2026-11-28T15:00:00+00:00");
            JsonNode runs = as(TestTokens.reader()).queryParam("from", "2026-11-28").queryParam("to", "2026-11-30")
                    .get("/api/v1/rules/" + name + "/runs").then().statusCode(200).extract().as(JsonNode.class);
            assertThat(runs.get(0).path("satisfied").get(0).path("sessionTime").asText()).isEqualTo(tokyoMidnight);

            var records = triggerEvents.awaitRecords(rs -> rs.stream().anyMatch(r -> name.equals(r.key())),
                    Duration.ofSeconds(20));
            JsonNode started = read(records.stream().filter(r -> name.equals(r.key())).findFirst().orElseThrow()
                    .value());
            assertThat(started.path("sessionTime").asText()).isEqualTo(tokyoMidnight);
        }
    }

    @Test
    void anAnyRuleFiresOnAnExternalEventPostedToBaton() {
        World world = world();
        String type = "com.example.crm." + UUID.randomUUID().toString().substring(0, 6);
        Map<String, Object> rule = dailyReport(unique("crm"), world);
        rule.put("match", "any");
        rule.put("upstreams", List.of(digdag(world.game(), "+etl+load"), Map.of("event", Map.of("type", type, "subject", "daily"))));
        String name = register(rule);

        Map<String, Object> event = Map.of("specversion", "1.0", "id", UUID.randomUUID().toString(), "type", type,
                "source", "urn:crm", "subject", "daily", "data", Map.of("sessionDate", "2026-11-20"));
        given().contentType(ContentType.JSON).body(event).post("/api/v1/events").then().statusCode(401);
        as(TestTokens.writer("crm")).body(event).post("/api/v1/events").then().statusCode(202);

        await().atMost(Duration.ofSeconds(20)).until(() -> !attempts(world.bi(), "daily_report").isEmpty());
        assertThat(attempts(world.bi(), "daily_report")).singleElement()
                .extracting(Attempt::sessionTime).isEqualTo(OffsetDateTime.parse("2026-11-20T00:00:00+09:00"));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(explain(name, "2026-11-20").path("status").asText()).isEqualTo("started"));

        Map<String, Object> bad = new HashMap<>(event);
        bad.remove("type");
        as(TestTokens.writer("crm")).body(bad).post("/api/v1/events").then().statusCode(400)
                .body("errors[0].field", equalTo("type"));
    }

    @Test
    void hourlyUpstreamsFireTheDailyDownstreamOnlyAfterAllTwentyFourHours() {
        World world = world();
        String hourly = "hourly-" + UUID.randomUUID().toString().substring(0, 8);
        emulator.project(hourly).workflow("etl", "Asia/Tokyo", sequence(task("load")));
        Map<String, Object> rule = dailyReport(unique("hourly"), world);
        rule.put("upstreams", List.of(digdag(hourly, null)));
        rule.put("correlation", Map.of("by", "session_date", "zone", "Asia/Tokyo", "upstreamEvery", "PT1H"));
        String name = register(rule);

        for (int hour = 0; hour < 23; hour++) {
            runEtl(hourly, DAY.plusHours(hour));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> explain(name, "2026-11-24").path("satisfied").size() == 23);
        assertThat(attempts(world.bi(), "daily_report")).isEmpty();

        runEtl(hourly, DAY.plusHours(23));
        await().atMost(Duration.ofSeconds(20)).until(() -> !attempts(world.bi(), "daily_report").isEmpty());
        assertThat(attempts(world.bi(), "daily_report")).singleElement().extracting(Attempt::sessionTime).isEqualTo(DAY);
    }

    @Test
    void upstreamsFurtherApartThanTheWindowDoNotFire() {
        World world = world();
        Map<String, Object> rule = dailyReport(unique("window"), world);
        rule.put("window", "PT1H");
        String name = register(rule);
        OffsetDateTime session = DAY.plusDays(5);

        runEtl(world.game(), session);
        await().atMost(Duration.ofSeconds(20)).until(() -> explain(name, "2026-11-29").path("satisfied").size() == 1);
        emulator.advanceClock(Duration.ofHours(2));
        runEtl(world.eikaiwa(), session);
        await().atMost(Duration.ofSeconds(20)).until(() -> explain(name, "2026-11-29").path("satisfied").size() == 2);
        assertThat(explain(name, "2026-11-29").path("status").asText()).isEqualTo("window_expired");
        assertThat(attempts(world.bi(), "daily_report")).isEmpty();
    }

    @Test
    void aFailedDownstreamSessionIsResumedFromItsFailedTasks() {
        World world = world();
        Map<String, Object> rule = dailyReport(unique("resume"), world);
        ((Map<String, Object>) rule.get("action")).put("ifFailed", "resume_failed");
        String name = register(rule);
        OffsetDateTime session = DAY.plusDays(7);
        String failed = emulator.startAttempt(world.bi(), "daily_report", session, Map.of());
        emulator.completeTask(failed, "+daily_report+build");
        emulator.failTask(failed, "+daily_report+publish", "upstream data was late");

        runEtl(world.game(), session);
        runEtl(world.eikaiwa(), session);
        await().atMost(Duration.ofSeconds(20)).until(() -> attempts(world.bi(), "daily_report").size() == 2);
        Attempt resumed = attempts(world.bi(), "daily_report").stream().filter(a -> !a.id().equals(failed)).findFirst().orElseThrow();
        assertThat(resumed.index()).isEqualTo(2);
        assertThat(resumed.retryAttemptName()).startsWith("baton-run-");
        // Resuming copies the task that had succeeded, and runs only the failed one again.
        assertThat(emulator.tasks(resumed.id())).anyMatch(t -> t.fullName().equals("+daily_report+build") && t.state().equals("success"));
        // Digdag is called outside any transaction, so the attempt can be seen a moment before the run is recorded.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(explain(name, "2026-12-01").path("status").asText()).isEqualTo("retried"));
    }

    @Test
    void aStartCutShortByACrashIsResumedAndStillMakesOneAttempt() {
        World world = world();
        String name = register(dailyReport(unique("crash"), world));
        OffsetDateTime reachedDigdag = DAY.plusDays(10);
        OffsetDateTime neverCalled = DAY.plusDays(11);
        // Before the crash, the first start had been claimed and had reached Digdag, but its result was not recorded
        // (its lease has run out); the second had not been claimed.
        emulator.startAttempt(world.bi(), "daily_report", reachedDigdag, Map.of());
        QuarkusTransaction.requiringNew().run(() -> {
            TriggerRun.open(name, "2026-12-04", reachedDigdag, Instant.now(), false, null, Instant.now())
                    .ifPresent(id -> TriggerRun.update("state = ?1, tries = 1 where id = ?2", TriggerRun.STARTING, id));
            TriggerRun.open(name, "2026-12-05", neverCalled, Instant.now(), false, null, Instant.now());
        });

        await().atMost(Duration.ofSeconds(20)).until(() -> attempts(world.bi(), "daily_report").size() == 2);
        assertThat(attempts(world.bi(), "daily_report")).extracting(Attempt::sessionTime)
                .containsExactlyInAnyOrder(reachedDigdag, neverCalled);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(explain(name, "2026-12-04").path("status").asText()).isEqualTo("already_existed");
            assertThat(explain(name, "2026-12-05").path("status").asText()).isEqualTo("started");
        });
    }

    @Test
    void theOwningTeamFiresByHandOnceThroughTheSameLedger() {
        World world = world();
        String name = register(dailyReport(unique("manual"), world));
        as(TestTokens.writer("game")).post("/api/v1/rules/" + name + "/fire?session=2026-11-30").then().statusCode(403);
        as(TestTokens.writer("bi")).post("/api/v1/rules/" + name + "/fire?session=30-11-2026").then().statusCode(400);
        as(TestTokens.writer("bi")).post("/api/v1/rules/" + name + "/fire?session=2026-11-30").then().statusCode(201)
                .body("status", equalTo("started"));
        as(TestTokens.writer("bi")).post("/api/v1/rules/" + name + "/fire?session=2026-11-30").then().statusCode(409);
        assertThat(attempts(world.bi(), "daily_report")).singleElement().extracting(Attempt::sessionTime)
                .isEqualTo(OffsetDateTime.parse("2026-11-30T00:00:00+09:00"));
    }

    private static Map<String, Object> withId(String id, Map<String, Object> upstream) {
        Map<String, Object> named = new HashMap<>(upstream);
        named.put("id", id);
        return named;
    }

    private static void publish(String type, Map<String, Object> data) {
        as(TestTokens.writer("crm")).body(Map.of("specversion", "1.0", "id", UUID.randomUUID().toString(), "type", type,
                "source", "urn:test", "data", data)).post("/api/v1/events").then().statusCode(202);
    }

    @Test
    void aConditionFiresOnTheGameLoadWithTheEikaiwaLoadOrAnEventThatEikaiwaSkippedTheDay() {
        World world = world();
        String skipped = "com.example.eikaiwa.skipped." + UUID.randomUUID().toString().substring(0, 6);
        Map<String, Object> rule = dailyReport(unique("condition"), world);
        rule.put("upstreams", List.of(withId("game-load", digdag(world.game(), "+etl+load")),
                withId("eikaiwa-load", digdag(world.eikaiwa(), "+etl+load")),
                Map.of("id", "eikaiwa-skipped", "event", Map.of("type", skipped))));
        rule.put("condition", "game_load && (eikaiwa_load || eikaiwa_skipped)");
        String name = register(rule);
        OffsetDateTime session = DAY.plusDays(20);

        runEtl(world.game(), session);
        await().atMost(Duration.ofSeconds(20)).until(() -> explain(name, "2026-12-14").path("satisfied").size() == 1);
        JsonNode waiting = explain(name, "2026-12-14");
        assertThat(waiting.path("status").asText()).isEqualTo("waiting");
        assertThat(waiting.path("condition").path("expression").asText())
                .isEqualTo("game_load && (eikaiwa_load || eikaiwa_skipped)");
        assertThat(waiting.path("condition").path("values").toString())
                .isEqualTo("{\"game_load\":true,\"eikaiwa_load\":false,\"eikaiwa_skipped\":false}");
        assertThat(waiting.path("condition").path("result").asBoolean()).isFalse();
        assertThat(attempts(world.bi(), "daily_report")).isEmpty();

        publish(skipped, Map.of("sessionDate", "2026-12-14"));
        await().atMost(Duration.ofSeconds(20)).until(() -> !attempts(world.bi(), "daily_report").isEmpty());
        assertThat(attempts(world.bi(), "daily_report")).singleElement().extracting(Attempt::sessionTime).isEqualTo(session);
        JsonNode fired = explain(name, "2026-12-14");
        assertThat(fired.path("condition").path("values").path("eikaiwa_skipped").asBoolean()).isTrue();
        assertThat(fired.path("condition").path("result").asBoolean()).isTrue();

        // The next day eikaiwa loads and even says it skipped, but the game never loads: no report.
        runEtl(world.eikaiwa(), session.plusDays(1));
        publish(skipped, Map.of("sessionDate", "2026-12-15"));
        await().atMost(Duration.ofSeconds(20)).until(() -> explain(name, "2026-12-15").path("satisfied").size() == 2);
        assertThat(explain(name, "2026-12-15").path("status").asText()).isEqualTo("waiting");
        assertThat(attempts(world.bi(), "daily_report")).hasSize(1);
    }

    @Test
    void threeOfFourRegionalLoadsAreEnoughWithCount() {
        World world = world();
        List<String> regions = List.of("eu", "us", "jp", "kr");
        List<Map<String, Object>> upstreams = new java.util.ArrayList<>();
        for (String region : regions) {
            String project = region + "-" + world.bi();
            emulator.project(project).workflow("etl", "Asia/Tokyo", sequence(task("load")));
            upstreams.add(withId(region + "-load", digdag(project, "+etl+load")));
        }
        Map<String, Object> rule = dailyReport(unique("regions"), world);
        rule.put("upstreams", upstreams);
        rule.put("condition", "count([eu_load, us_load, jp_load, kr_load]) >= 3");
        String name = register(rule);
        OffsetDateTime session = DAY.plusDays(22);

        runEtl("eu-" + world.bi(), session);
        runEtl("us-" + world.bi(), session);
        await().atMost(Duration.ofSeconds(20)).until(() -> explain(name, "2026-12-16").path("satisfied").size() == 2);
        assertThat(explain(name, "2026-12-16").path("condition").path("result").asBoolean()).isFalse();
        assertThat(attempts(world.bi(), "daily_report")).isEmpty();

        runEtl("kr-" + world.bi(), session);
        await().atMost(Duration.ofSeconds(20)).until(() -> !attempts(world.bi(), "daily_report").isEmpty());
        assertThat(explain(name, "2026-12-16").path("condition").path("values").path("jp_load").asBoolean()).isFalse();
        assertThat(explain(name, "2026-12-16").path("status").asText()).isEqualTo("started");
    }

    @Test
    void aFilterOnAnExternalEventLetsOnlyALoadWithRowsSatisfyIt() {
        World world = world();
        String type = "com.example.dwh.loaded." + UUID.randomUUID().toString().substring(0, 6);
        Map<String, Object> rule = dailyReport(unique("rows"), world);
        rule.put("upstreams", List.of(Map.of("id", "dwh", "event", Map.of("type", type), "filter", "data.rows > 0")));
        String name = register(rule);

        // One type, one Kafka key: the empty load is consumed before the one with rows.
        publish(type, Map.of("sessionDate", "2026-12-17", "rows", 0));
        publish(type, Map.of("sessionDate", "2026-12-18", "rows", 1200));
        await().atMost(Duration.ofSeconds(20)).until(() -> !attempts(world.bi(), "daily_report").isEmpty());
        assertThat(attempts(world.bi(), "daily_report")).singleElement().extracting(Attempt::sessionTime)
                .isEqualTo(OffsetDateTime.parse("2026-12-18T00:00:00+09:00"));
        assertThat(explain(name, "2026-12-17").path("missing")).extracting(JsonNode::asText).containsExactly("dwh");
    }

    @Test
    void aFilterOnADigdagCompletionLetsOnlyTheFirstOfTheMonthSatisfyIt() {
        World world = world();
        Map<String, Object> rule = dailyReport(unique("monthly"), world);
        Map<String, Object> load = new HashMap<>(digdag(world.game(), "+etl+load"));
        load.put("filter", "data.sessionDate.endsWith('-01') && data.task == '+etl+load'");
        rule.put("upstreams", List.of(load));
        String name = register(rule);

        // One workflow, one Kafka key: the 30th is consumed before the 1st.
        runEtl(world.game(), OffsetDateTime.parse("2026-11-30T00:00:00+09:00"));
        runEtl(world.game(), OffsetDateTime.parse("2026-12-01T00:00:00+09:00"));
        await().atMost(Duration.ofSeconds(20)).until(() -> !attempts(world.bi(), "daily_report").isEmpty());
        assertThat(attempts(world.bi(), "daily_report")).singleElement().extracting(Attempt::sessionTime)
                .isEqualTo(OffsetDateTime.parse("2026-12-01T00:00:00+09:00"));
        assertThat(explain(name, "2026-11-30").path("status").asText()).isEqualTo("waiting");
    }

    @Test
    void dependsOnPastHoldsADayBackUntilThePreviousDaySucceededInDigdag() {
        World world = world();
        Map<String, Object> rule = dailyReport(unique("past"), world);
        rule.put("dependsOnPast", true);
        String name = register(rule);
        OffsetDateTime yesterday = DAY.plusDays(25);
        OffsetDateTime today = DAY.plusDays(26);
        String previous = emulator.startAttempt(world.bi(), "daily_report", yesterday, Map.of());

        runEtl(world.game(), today);
        runEtl(world.eikaiwa(), today);
        await().atMost(Duration.ofSeconds(20)).until(() -> explain(name, "2026-12-20").path("status").asText().equals("held_back"));
        assertThat(explain(name, "2026-12-20").path("run").path("heldBack").asText())
                .contains("previous session 2026-12-19T00:00:00+09:00").contains("has not succeeded")
                .contains("attempt " + previous + " is running");
        assertThat(attempts(world.bi(), "daily_report")).hasSize(1);

        emulator.completeAll(previous);
        await().atMost(Duration.ofSeconds(20)).until(() -> attempts(world.bi(), "daily_report").size() == 2);
        assertThat(attempts(world.bi(), "daily_report")).extracting(Attempt::sessionTime).contains(today);
        JsonNode started = explain(name, "2026-12-20");
        assertThat(started.path("status").asText()).isEqualTo("started");
        assertThat(started.path("run").has("heldBack")).isFalse();
    }

    @Test
    void dependsOnPastDoesNotHoldBackAWorkflowsFirstSession() {
        World world = world();
        Map<String, Object> rule = dailyReport(unique("first"), world);
        rule.put("dependsOnPast", true);
        register(rule);
        runEtl(world.game(), DAY.plusDays(27));
        runEtl(world.eikaiwa(), DAY.plusDays(27));
        await().atMost(Duration.ofSeconds(20)).until(() -> !attempts(world.bi(), "daily_report").isEmpty());
    }

    @Test
    void aMissedDeadlineRaisesOneAlertNamingTheMissingUpstreamAndPostsToSlack() {
        World world = world();
        Map<String, Object> rule = dailyReport(unique("deadline"), world);
        LocalTime due = LocalTime.now(ZoneOffset.UTC).plusSeconds(3);
        if (due.isBefore(LocalTime.of(0, 0, 10))) {
            due = LocalTime.of(0, 0, 15); // keep the deadline on today's date around midnight
        }
        rule.put("deadline", Map.of("time", due.format(DateTimeFormatter.ofPattern("HH:mm:ss")), "zone", "UTC"));
        rule.put("correlation", Map.of("by", "session_date", "zone", "UTC"));
        rule.put("notify", Map.of("slack", "bi-alerts"));
        String name = register(rule);

        try (KafkaTestConsumer alerts = new KafkaTestConsumer(events.alertsTopic())) {
            alerts.awaitRecords(rs -> rs.stream().anyMatch(r -> name.equals(r.key())), Duration.ofSeconds(30));
            var mine = alerts.drain(Duration.ofSeconds(3)).stream().filter(r -> name.equals(r.key())).toList();
            assertThat(mine).hasSize(1);
            assertThat(header(mine.get(0), "ce_type")).isEqualTo("io.baton.rule.deadline-missed");
            JsonNode data = read(mine.get(0).value());
            assertThat(data.path("missing")).extracting(JsonNode::asText).hasSize(2);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> SlackStub.get().messages().stream()
                .anyMatch(m -> m.contains(name) && m.contains("missed its deadline")));
    }

    /** Issue 15 A: a rule stored before validation existed, whose evaluation throws, leaves the others alone. */
    @Test
    void anotherTeamsPoisonRuleOnTheSameUpstreamCannotStopALegitimateRule() {
        World world = world();
        // Rules meet an event in name order: the poison rule comes first.
        Map<String, Object> poison = dailyReport(unique("a-poison"), world);
        poison.put("team", "game");
        poison.put("upstreams", List.of(digdag(world.game(), "+etl+load")));
        poison.put("action", Map.of("server", "main", "project", world.eikaiwa(), "workflow", "etl"));
        String poisoned = register(poison);
        Map<String, Object> legitimate = dailyReport(unique("z-legit"), world);
        legitimate.put("upstreams", List.of(digdag(world.game(), "+etl+load")));
        String legit = register(legitimate);
        Map<String, Object> broken = new HashMap<>(poison);
        broken.put("name", unique("b-unindexable"));
        String unindexable = register(broken);
        QuarkusTransaction.requiringNew().run(() -> {
            corrupt(poisoned, "'{correlation,downstreamShift}', '\"P999999999Y\"'");
            corrupt(unindexable, "'{upstreams,0}', '{}'");
        });
        index.rebuild();
        assertThat(index.rule(unindexable)).isEmpty();

        try (KafkaTestConsumer alerts = new KafkaTestConsumer(events.alertsTopic())) {
            runEtl(world.game(), DAY.plusDays(15));
            await().atMost(Duration.ofSeconds(20)).until(() -> !attempts(world.bi(), "daily_report").isEmpty());
            assertThat(attempts(world.bi(), "daily_report")).singleElement().extracting(Attempt::sessionTime)
                    .isEqualTo(DAY.plusDays(15));
            await().atMost(Duration.ofSeconds(10)).until(() -> explain(legit, "2026-12-09").path("status").asText().equals("started"));

            JsonNode explanation = explain(poisoned, "2026-12-09");
            assertThat(explanation.path("status").asText()).isEqualTo("evaluation_failed");
            assertThat(explanation.path("errors").get(0).path("error").asText()).contains("DateTimeException");
            as(TestTokens.reader()).get("/api/v1/rules/" + poisoned + "/runs").then().statusCode(200)
                    .body("size()", equalTo(1)).body("[0].status", equalTo("evaluation_failed"));
            var alert = alerts.awaitRecords(rs -> rs.stream().anyMatch(r -> poisoned.equals(r.key())), Duration.ofSeconds(20))
                    .stream().filter(r -> poisoned.equals(r.key())).findFirst().orElseThrow();
            assertThat(header(alert, "ce_type")).isEqualTo(TriggerOutcomes.EVALUATION_FAILED);
            assertThat(read(alert.value()).path("team").asText()).isEqualTo("game");
        }
        assertThat(attempts(world.eikaiwa(), "etl")).isEmpty();
    }

    /** Changes a stored rule behind validation's back, as a row written before validation existed would be. */
    private static void corrupt(String rule, String jsonbSetArguments) {
        Panache.getEntityManager().createNativeQuery("UPDATE rules SET definition = jsonb_set(definition, "
                + jsonbSetArguments + ") WHERE name = :name").setParameter("name", rule).executeUpdate();
    }

    /** Issue 15 B: a pending run whose stored session no parser reads back is failed and does not block the queue. */
    @Test
    void aPendingRunThatCannotBeProcessedIsFailedAndDoesNotBlockTheOthers() {
        World world = world();
        String poisoned = register(dailyReport(unique("poisoned-run"), world));
        String healthy = register(dailyReport(unique("healthy-run"), world));
        OffsetDateTime session = DAY.plusDays(20);
        QuarkusTransaction.requiringNew().run(() -> {
            // Without a session (V17 leaves that only on failed rows whose text no parser read), and due long
            // before the healthy run.
            Panache.getEntityManager().createNativeQuery("INSERT INTO trigger_run (rule_name, correlation_key, "
                            + "downstream_session, state, next_try_at) VALUES (:rule, '+1000000000-01-01', "
                            + "NULL, 'pending', now() - interval '1 hour')")
                    .setParameter("rule", poisoned).executeUpdate();
            TriggerRun.open(healthy, "2026-12-14", session, Instant.now(), false, null, Instant.now());
        });

        await().atMost(Duration.ofSeconds(20)).until(() -> !attempts(world.bi(), "daily_report").isEmpty());
        assertThat(attempts(world.bi(), "daily_report")).singleElement().extracting(Attempt::sessionTime).isEqualTo(session);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> as(TestTokens.reader())
                .get("/api/v1/rules/" + poisoned + "/runs").then().statusCode(200)
                .body("size()", equalTo(1)).body("[0].status", equalTo("failed"))
                .body("[0].run.lastError", org.hamcrest.Matchers.containsString("cannot be processed")));
        as(TestTokens.reader()).get("/api/v1/rules/" + poisoned + "/runs?from=2026-01-01&to=2027-01-01").then()
                .statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void anEventThatCannotBeReadGoesToTheDeadLetterTopicWithItsReason() {
        String id = UUID.randomUUID().toString();
        ProducerRecord<String, String> unreadable = new ProducerRecord<>(events.topic(), "main/broken", "{not json");
        unreadable.headers().add("ce_specversion", "1.0".getBytes()).add("ce_id", id.getBytes())
                .add("ce_type", (DigdagCompletion.TYPE_PREFIX + "task.succeeded").getBytes())
                .add("ce_source", "urn:test".getBytes());
        try (KafkaTestConsumer deadLetters = new KafkaTestConsumer(events.deadLetterTopic());
             KafkaProducer<String, String> producer = new KafkaProducer<>(
                     Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BatonTestServices.KAFKA),
                     new StringSerializer(), new StringSerializer())) {
            producer.send(unreadable);
            producer.flush();
            var dead = deadLetters.awaitRecords(rs -> rs.stream().anyMatch(r -> id.equals(header(r, "ce_id"))),
                    Duration.ofSeconds(30)).stream().filter(r -> id.equals(header(r, "ce_id"))).findFirst().orElseThrow();
            assertThat(dead.value()).isEqualTo("{not json");
            assertThat(header(dead, "dead-letter-reason")).contains("unreadable event " + id);
        }
    }

    /** Issue 21: a poison event in a batch is handled as alone (dead-lettered); the others of the batch still fire. */
    @Test
    void aBatchWithAPoisonEventStillFiresItsSatisfyingEventOnceAndDeadLettersThePoison() {
        World world = world();
        Map<String, Object> legitimate = dailyReport(unique("batch-legit"), world);
        legitimate.put("upstreams", List.of(digdag(world.game(), "+etl+load")));
        String legit = register(legitimate);
        Map<String, Object> poison = dailyReport(unique("batch-poison"), world);
        Map<String, Object> filtered = new HashMap<>(digdag(world.eikaiwa(), "+etl+load"));
        filtered.put("filter", "data.state == 'success'");
        poison.put("upstreams", List.of(filtered));
        String poisoned = register(poison);
        // A filter stored before validation existed, which no compiler reads: every event it meets fails as a whole.
        QuarkusTransaction.requiringNew().run(() -> corrupt(poisoned, "'{upstreams,0,filter}', '\"((\"'"));
        index.rebuild();
        assertThat(index.rule(poisoned)).isPresent();

        OffsetDateTime session = DAY.plusDays(30);
        UpstreamEvent bad = loadEvent(world.eikaiwa(), session, "301");
        UpstreamEvent good = loadEvent(world.game(), session, "302");
        Map<UpstreamEvent, RuntimeException> failures = triggers.onEvents(List.of(bad, good, good));
        assertThat(failures).containsOnlyKeys(bad);
        assertThat(failures.get(bad)).hasMessageContaining("mismatched input");
        await().atMost(Duration.ofSeconds(20)).until(() -> explain(legit, session.toLocalDate().toString())
                .path("status").asText().equals("started"));
        assertThat(runs(legit)).isEqualTo(1);

        // The same through Kafka: an unreadable record, the poison event and the satisfying one twice, sent at once.
        OffsetDateTime next = session.plusDays(1);
        UpstreamEvent nextBad = loadEvent(world.eikaiwa(), next, "303");
        UpstreamEvent nextGood = loadEvent(world.game(), next, "304");
        String unreadableId = UUID.randomUUID().toString();
        try (KafkaTestConsumer deadLetters = new KafkaTestConsumer(events.deadLetterTopic());
             KafkaProducer<String, String> producer = new KafkaProducer<>(
                     Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BatonTestServices.KAFKA, ProducerConfig.LINGER_MS_CONFIG, 50),
                     new StringSerializer(), new StringSerializer())) {
            producer.send(completionRecord(unreadableId, nextBad, "{not json"));
            producer.send(completionRecord(nextBad.id(), nextBad, nextBad.data().toString()));
            producer.send(completionRecord(nextGood.id(), nextGood, nextGood.data().toString()));
            producer.send(completionRecord(nextGood.id(), nextGood, nextGood.data().toString()));
            producer.flush();
            var dead = deadLetters.awaitRecords(rs -> rs.stream().filter(r -> unreadableId.equals(header(r, "ce_id"))
                    || nextBad.id().equals(header(r, "ce_id"))).count() == 2, Duration.ofSeconds(30));
            assertThat(dead.stream().filter(r -> nextBad.id().equals(header(r, "ce_id"))).map(r -> header(r,
                    "dead-letter-reason"))).singleElement().asString().contains("cannot be processed");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> explain(legit, next.toLocalDate().toString())
                .path("status").asText().equals("started"));
        assertThat(runs(legit)).isEqualTo(2);
        assertThat(attempts(world.bi(), "daily_report")).extracting(Attempt::sessionTime)
                .containsExactlyInAnyOrder(session, next);
    }

    /** Issue 21: two consumers (replicas) evaluate overlapping batches at once, in opposite orders. */
    @Test
    void overlappingBatchesOnTwoConsumersAtOnceFireEachRuleAndSessionOnceWithoutDeadlock() throws Exception {
        World world = world();
        List<String> rules = java.util.stream.IntStream.range(0, 20)
                .mapToObj(i -> register(dailyReport(unique("overlap-" + i), world))).toList();
        List<UpstreamEvent> batch = new java.util.ArrayList<>();
        for (int day = 0; day < 5; day++) {
            OffsetDateTime session = DAY.plusDays(40 + day);
            batch.add(loadEvent(world.game(), session, "4" + day + "1"));
            batch.add(loadEvent(world.eikaiwa(), session, "4" + day + "2"));
        }
        List<UpstreamEvent> reversed = new java.util.ArrayList<>(batch);
        java.util.Collections.reverse(reversed);
        List<UpstreamEvent> shuffled = new java.util.ArrayList<>(batch);
        java.util.Collections.shuffle(shuffled, new java.util.Random(21));

        var first = CompletableFuture.supplyAsync(() -> triggers.onEvents(batch));
        var second = CompletableFuture.supplyAsync(() -> triggers.onEvents(reversed));
        var third = CompletableFuture.supplyAsync(() -> triggers.onEvents(shuffled));
        assertThat(first.get()).isEmpty();
        assertThat(second.get()).isEmpty();
        assertThat(third.get()).isEmpty();

        for (String rule : rules) {
            assertThat(runs(rule)).as("runs of " + rule).isEqualTo(5);
            long conditions = QuarkusTransaction.requiringNew().call(() -> TriggerCondition.count("ruleName", rule));
            assertThat(conditions).isEqualTo(10);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> attempts(world.bi(), "daily_report").size() == 5);
    }

    private static long runs(String rule) {
        return QuarkusTransaction.requiringNew().call(() -> TriggerRun.count("ruleName", rule));
    }

    /** A completion as the outbox relay writes it: CloudEvents binary mode, keyed by workflow. */
    private ProducerRecord<String, String> completionRecord(String id, UpstreamEvent event, String value) {
        ProducerRecord<String, String> record = new ProducerRecord<>(events.topic(), event.completion().workflowKey(), value);
        record.headers().add("ce_specversion", "1.0".getBytes()).add("ce_id", id.getBytes())
                .add("ce_type", event.type().getBytes()).add("ce_source", "http://digdag".getBytes())
                .add("ce_subject", event.subject().getBytes()).add("content-type", "application/json".getBytes());
        return record;
    }

    private JsonNode read(String json) {
        try {
            return mapper.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
