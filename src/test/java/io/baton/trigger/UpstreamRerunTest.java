package io.baton.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.BatonTestServices;
import io.baton.KafkaTestConsumer;
import io.baton.TestTokens;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClients;
import io.baton.emulator.DigdagEmulator;
import io.baton.events.EventsConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.baton.KafkaTestConsumer.header;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code onUpstreamRerun} on the emulator: the seed's three teams chained game/etl → eikaiwa/etl → bi/daily_report,
 * and game/etl retried for a day after bi/daily_report ran.
 */
@QuarkusTest
@TestProfile(TriggerTestProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class UpstreamRerunTest {

    private static final OffsetDateTime DAY = OffsetDateTime.parse("2026-11-24T00:00:00+09:00");
    private static final OffsetDateTime NEXT_DAY = DAY.plusDays(1);

    @Inject
    DigdagClients clients;

    @Inject
    EventsConfig events;

    @Inject
    ObjectMapper mapper;

    private final DigdagEmulator emulator = BatonTestServices.emulator();

    /** Projects and rules of one chain, under names no other test uses. */
    private record Chain(String game, String eikaiwa, String bi, String eikaiwaRule, String biRule) {
    }

    private Chain chain(String onUpstreamRerun) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Chain chain = new Chain("game-" + suffix, "eikaiwa-" + suffix, "bi-" + suffix, "eikaiwa-on-game-" + suffix,
                "bi-on-eikaiwa-" + suffix);
        emulator.project(chain.game()).workflow("etl", "Asia/Tokyo", sequence(task("extract"), task("load")));
        emulator.project(chain.eikaiwa()).workflow("etl", "Asia/Tokyo", sequence(task("extract"), task("load")));
        emulator.project(chain.bi()).workflow("daily_report", "Asia/Tokyo", sequence(task("build"), task("publish")));
        register(rule(chain.eikaiwaRule(), "eikaiwa", chain.game(), "etl", chain.eikaiwa(), "etl", onUpstreamRerun));
        register(rule(chain.biRule(), "bi", chain.eikaiwa(), "etl", chain.bi(), "daily_report", onUpstreamRerun));
        return chain;
    }

    private static Map<String, Object> rule(String name, String team, String upstreamProject, String upstreamWorkflow,
                                            String project, String workflow, String onUpstreamRerun) {
        Map<String, Object> rule = new HashMap<>();
        rule.put("name", name);
        rule.put("team", team);
        rule.put("upstreams", List.of(Map.of("digdag", Map.of("server", "main", "project", upstreamProject,
                "workflow", upstreamWorkflow))));
        rule.put("correlation", Map.of("by", "session_date", "zone", "Asia/Tokyo"));
        rule.put("action", Map.of("server", "main", "project", project, "workflow", workflow));
        rule.put("notify", Map.of("slack", "bi-alerts"));
        if (onUpstreamRerun != null) {
            rule.put("onUpstreamRerun", onUpstreamRerun);
        }
        return rule;
    }

    private static void register(Map<String, Object> rule) {
        given().auth().oauth2(TestTokens.writer((String) rule.get("team"))).contentType(ContentType.JSON).body(rule)
                .put("/api/v1/rules/" + rule.get("name")).then().statusCode(201);
    }

    private List<Attempt> attempts(String project, String workflow, OffsetDateTime session) {
        return clients.client("main").attempts(new AttemptQuery(project, workflow, true, null, 100)).stream()
                .filter(attempt -> attempt.sessionTime().isEqual(session)).toList();
    }

    /** Waits until the workflow's session has {@code count} attempts, completes the newest and returns it. */
    private Attempt awaitAndComplete(String project, String workflow, OffsetDateTime session, int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> attempts(project, workflow, session).size() >= count);
        List<Attempt> attempts = attempts(project, workflow, session);
        assertThat(attempts).hasSize(count);
        Attempt newest = attempts.stream().max((x, y) -> Long.compare(Long.parseLong(x.id()), Long.parseLong(y.id())))
                .orElseThrow();
        emulator.completeAll(newest.id());
        return newest;
    }

    private void runEtl(String project, OffsetDateTime session, String retryName) {
        emulator.completeAll(emulator.startAttempt(project, "etl", session, Map.of(), retryName));
    }

    /** Both days run through the whole chain; then game/etl is retried for the first day. */
    private void runBothDaysThenRetryTheFirst(Chain chain) {
        for (OffsetDateTime day : List.of(DAY, NEXT_DAY)) {
            runEtl(chain.game(), day, null);
            awaitAndComplete(chain.eikaiwa(), "etl", day, 1);
            awaitAndComplete(chain.bi(), "daily_report", day, 1);
        }
        runEtl(chain.game(), DAY, "fix-" + UUID.randomUUID().toString().substring(0, 8));
    }

    private List<TriggerRerun> reruns(String rule) {
        return QuarkusTransaction.requiringNew().call(() -> TriggerRerun.<TriggerRerun>list("ruleName", rule));
    }

    @Test
    void aRetriedUpstreamRerunsEachDownstreamOfTheChainOnceForThatDayOnly() {
        Chain chain = chain("rerun");
        try (KafkaTestConsumer triggerEvents = new KafkaTestConsumer(events.triggersTopic())) {
            runBothDaysThenRetryTheFirst(chain);

            Attempt eikaiwaRerun = awaitAndComplete(chain.eikaiwa(), "etl", DAY, 2);
            assertThat(eikaiwaRerun.retryAttemptName()).startsWith(RerunStarter.RETRY_PREFIX);
            Attempt biRerun = awaitAndComplete(chain.bi(), "daily_report", DAY, 2);
            assertThat(biRerun.retryAttemptName()).startsWith(RerunStarter.RETRY_PREFIX);

            // The cascade has settled when bi's rerun is recorded; nothing more comes for either day.
            await().atMost(Duration.ofSeconds(15)).until(() -> reruns(chain.biRule()).stream()
                    .anyMatch(rerun -> TriggerRerun.STARTED.equals(rerun.state)));
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() ->
                    attempts(chain.eikaiwa(), "etl", DAY).size() == 2
                            && attempts(chain.bi(), "daily_report", DAY).size() == 2
                            && attempts(chain.eikaiwa(), "etl", NEXT_DAY).size() == 1
                            && attempts(chain.bi(), "daily_report", NEXT_DAY).size() == 1);
            for (String rule : List.of(chain.eikaiwaRule(), chain.biRule())) {
                List<TriggerRerun> reruns = reruns(rule);
                assertThat(reruns).singleElement().satisfies(rerun -> {
                    assertThat(rerun.state).isEqualTo(TriggerRerun.STARTED);
                    assertThat(rerun.session()).isEqualTo("2026-11-24T00:00:00+09:00");
                });
            }
            assertThat(reruns(chain.eikaiwaRule()).get(0).attemptId).isEqualTo(eikaiwaRerun.id());
            assertThat(reruns(chain.biRule()).get(0).attemptId).isEqualTo(biRerun.id());
            assertThat(reruns(chain.biRule()).get(0).upstreamAttemptId).isEqualTo(eikaiwaRerun.id());
            rerunsAreShownInRunsAndExplain(chain, eikaiwaRerun, reruns(chain.eikaiwaRule()).get(0));

            var started = triggerEvents.awaitRecords(rs -> rs.stream().anyMatch(r -> chain.biRule().equals(r.key())
                    && "io.baton.trigger.rerun-started".equals(header(r, "ce_type"))), Duration.ofSeconds(20));
            assertThat(started.stream().filter(r -> chain.eikaiwaRule().equals(r.key()))
                    .map(r -> header(r, "ce_type"))).containsOnlyOnce("io.baton.trigger.rerun-started");
        }
    }

    /** The rule's runs and its explanation of the day show the rerun: what caused it, its attempt, state, times. */
    private void rerunsAreShownInRunsAndExplain(Chain chain, Attempt eikaiwaRerun, TriggerRerun recorded) {
        JsonPath explained = given().auth().oauth2(TestTokens.reader())
                .get("/api/v1/rules/" + chain.eikaiwaRule() + "/explain?session=2026-11-24").then().statusCode(200)
                .extract().jsonPath();
        List<JsonPath> shown = List.of(explained, given().auth().oauth2(TestTokens.reader())
                .get("/api/v1/rules/" + chain.eikaiwaRule() + "/runs").then().statusCode(200).extract().jsonPath()
                .setRootPath("find { it.correlationKey == '2026-11-24' }"));
        for (JsonPath day : shown) {
            assertThat(day.getList("reruns")).hasSize(1);
            assertThat(day.getString("reruns[0].action")).isEqualTo("rerun");
            assertThat(day.getString("reruns[0].state")).isEqualTo("started");
            assertThat(day.getString("reruns[0].upstream")).isEqualTo("main/" + chain.game() + "/etl");
            assertThat(day.getString("reruns[0].upstreamAttemptId")).isEqualTo(recorded.upstreamAttemptId);
            assertThat(day.getString("reruns[0].previousAttemptId")).isEqualTo(recorded.previousAttemptId)
                    .isNotEqualTo(recorded.upstreamAttemptId);
            assertThat(day.getString("reruns[0].attemptId")).isEqualTo(eikaiwaRerun.id());
            assertThat(day.getString("reruns[0].attemptUrl")).endsWith("/attempts/" + eikaiwaRerun.id());
            assertThat(day.getString("reruns[0].seenAt")).isNotNull();
            assertThat(day.getString("reruns[0].startedAt")).isNotNull();
            assertThat(day.getString("run.attemptId")).as("the run keeps its first attempt")
                    .isNotEqualTo(eikaiwaRerun.id());
        }
        assertThat(given().auth().oauth2(TestTokens.reader()).get("/api/v1/rules/" + chain.eikaiwaRule()
                        + "/explain?session=2026-11-25").then().statusCode(200).extract().jsonPath()
                .getList("reruns")).as("the other day was not re-run").isNull();
    }

    @Test
    void notifyAnnouncesTheStaleSessionOnTheTriggersTopicAndSlackAndStartsNothing() {
        Chain chain = chain("notify");
        try (KafkaTestConsumer triggerEvents = new KafkaTestConsumer(events.triggersTopic())) {
            runBothDaysThenRetryTheFirst(chain);

            var records = triggerEvents.awaitRecords(rs -> rs.stream().anyMatch(r -> chain.eikaiwaRule().equals(r.key())
                    && TriggerOutcomes.STALE.equals(header(r, "ce_type"))), Duration.ofSeconds(30));
            List<ConsumerRecord<String, String>> stale = records.stream()
                    .filter(r -> TriggerOutcomes.STALE.equals(header(r, "ce_type"))
                            && List.of(chain.eikaiwaRule(), chain.biRule()).contains(r.key())).toList();
            assertThat(stale).hasSize(1);
            JsonNode data = read(stale.get(0).value());
            assertThat(data.path("rule").asText()).isEqualTo(chain.eikaiwaRule());
            assertThat(data.path("sessionTime").asText()).isEqualTo("2026-11-24T00:00:00+09:00");
            assertThat(data.path("upstreamSubject").asText()).isEqualTo("main/" + chain.game() + "/etl");
            assertThat(data.path("attemptId").asText()).isEqualTo(attempts(chain.eikaiwa(), "etl", DAY).get(0).id());
            String message = chain.eikaiwa() + "/etl for 2026-11-24 ran on data that " + chain.game()
                    + "/etl has since re-run";
            assertThat(data.path("message").asText()).isEqualTo(message);
            await().atMost(Duration.ofSeconds(10)).until(() -> SlackStub.get().messages().stream()
                    .anyMatch(m -> m.contains(message)));

            // eikaiwa did not run again, so bi's data is not stale, and nothing was started.
            assertThat(triggerEvents.drain(Duration.ofSeconds(2)).stream()
                    .filter(r -> TriggerOutcomes.STALE.equals(header(r, "ce_type"))
                            && List.of(chain.eikaiwaRule(), chain.biRule()).contains(r.key()))).hasSize(1);
            assertThat(attempts(chain.eikaiwa(), "etl", DAY)).hasSize(1);
            assertThat(attempts(chain.bi(), "daily_report", DAY)).hasSize(1);
            assertThat(reruns(chain.eikaiwaRule())).singleElement()
                    .satisfies(rerun -> assertThat(rerun.state).isEqualTo(TriggerRerun.NOTIFIED));
        }
    }

    @Test
    void reRunsArrivingWhileTheDownstreamRunsWaitForItAndThenRerunItOnce() {
        Chain chain = chain("rerun");
        runEtl(chain.game(), DAY, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> attempts(chain.eikaiwa(), "etl", DAY).size() == 1);
        String running = attempts(chain.eikaiwa(), "etl", DAY).get(0).id();

        runEtl(chain.game(), DAY, "fix-1");
        runEtl(chain.game(), DAY, "fix-2");
        await().atMost(Duration.ofSeconds(30)).until(() -> reruns(chain.eikaiwaRule()).size() == 2
                && reruns(chain.eikaiwaRule()).stream().allMatch(rerun -> rerun.detail != null
                && rerun.detail.contains("attempt " + running + " of the downstream session is still running")));
        assertThat(attempts(chain.eikaiwa(), "etl", DAY)).hasSize(1);

        emulator.completeAll(running);
        Attempt rerun = awaitAndComplete(chain.eikaiwa(), "etl", DAY, 2);
        await().atMost(Duration.ofSeconds(15)).until(() -> reruns(chain.eikaiwaRule()).stream()
                .noneMatch(r -> TriggerRerun.PENDING.equals(r.state) || TriggerRerun.STARTING.equals(r.state)));
        assertThat(reruns(chain.eikaiwaRule())).extracting(r -> r.state)
                .containsExactlyInAnyOrder(TriggerRerun.STARTED, TriggerRerun.COALESCED);
        assertThat(reruns(chain.eikaiwaRule())).allSatisfy(r -> assertThat(r.attemptId).isEqualTo(rerun.id()));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> attempts(chain.eikaiwa(), "etl", DAY).size() == 2);
    }

    @Test
    void ignoreIsTheDefaultAndAddsNothing() {
        Chain chain = chain(null);
        given().auth().oauth2(TestTokens.reader()).get("/api/v1/rules/" + chain.eikaiwaRule()).then().statusCode(200)
                .body("onUpstreamRerun", equalTo("ignore"));
        try (KafkaTestConsumer completions = new KafkaTestConsumer(events.topic())) {
            runBothDaysThenRetryTheFirst(chain);
            // The retry's completion has gone past the rules, and nothing follows it.
            completions.awaitRecords(rs -> rs.stream().filter(r -> r.value().contains("\"" + chain.game() + "\"")
                    && "io.baton.digdag.attempt.succeeded".equals(header(r, "ce_type"))).count() == 3,
                    Duration.ofSeconds(30));
        }
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> attempts(chain.eikaiwa(), "etl", DAY).size() == 1);
        assertThat(reruns(chain.eikaiwaRule())).isEmpty();
    }

    private JsonNode read(String json) {
        try {
            return mapper.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
