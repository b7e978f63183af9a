package io.baton.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.BatonTestServices;
import io.baton.Rows;
import io.baton.TestTokens;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.DigdagClients;
import io.baton.digdag.client.Schedule;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.ScheduleSpec;
import io.baton.trigger.SlackStub;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
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
import static org.hamcrest.Matchers.hasItem;

@QuarkusTest
@TestProfile(NotifyTestProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class NotificationsTest {

    private static final OffsetDateTime DAY = OffsetDateTime.parse("2026-11-24T00:00:00+09:00");
    /** How long Slack is down in the outage test: at least PT20S, to outlast the group delay and the pipeline. */
    private static final Duration OUTAGE = Duration.parse(System.getProperty("baton.test.slack-outage", "PT30S"));

    @Inject
    DigdagClients clients;

    @Inject
    MeterRegistry registry;

    @Inject
    ObjectMapper mapper;

    private final DigdagEmulator emulator = BatonTestServices.emulator();
    private final SlackStub slack = SlackStub.get();

    private static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A project of its own with workflow etl (extract, load) that no rule names. */
    private String project(String prefix) {
        String project = unique(prefix);
        emulator.project(project).workflow("etl", "Asia/Tokyo", sequence(task("extract"), task("load")));
        return project;
    }

    private static Map<String, Object> subscription(String name, String project, List<String> states) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", name);
        body.put("team", "game");
        body.put("server", "main");
        body.put("project", project);
        body.put("workflow", "etl");
        body.put("states", states);
        return body;
    }

    private static void subscribe(Map<String, Object> body) {
        as(TestTokens.writer("game")).body(body).put("/api/v1/subscriptions/" + body.get("name"))
                .then().statusCode(201);
    }

    private List<String> messagesAbout(String hook, String project) {
        return slack.messages(hook).stream().filter(m -> m.contains(project)).toList();
    }

    private String failLoad(String project, OffsetDateTime session, String message) {
        String attempt = emulator.startAttempt(project, "etl", session, Map.of());
        emulator.completeTask(attempt, "+etl+extract");
        emulator.failTask(attempt, "+etl+load", message);
        return attempt;
    }

    private double matched(boolean queued) {
        var counter = registry.find("baton.notify.matched").tag("queued", String.valueOf(queued)).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void successAndErrorOfAWorkflowNoRuleNamesAreEachSentOnce() throws Exception {
        String project = project("plain");
        String name = unique("game-etl");
        Map<String, Object> toSlack = subscription(name, project, List.of("success", "error"));
        toSlack.put("slack", NotifyTestProfile.TEAM_HOOK);
        subscribe(toSlack);
        String ops = unique("game-ops");
        Map<String, Object> toWebhook = subscription(ops, project, List.of("error"));
        toWebhook.put("webhook", NotifyTestProfile.OPS_WEBHOOK);
        toWebhook.put("format", "text");
        subscribe(toWebhook);

        String succeeded = emulator.startAttempt(project, "etl", DAY, Map.of());
        emulator.completeAll(succeeded);
        String failed = failLoad(project, DAY.plusDays(1), "disk full on /data");

        await().atMost(Duration.ofSeconds(30)).until(() -> messagesAbout(NotifyTestProfile.TEAM_HOOK, project).size() == 2);
        List<String> messages = messagesAbout(NotifyTestProfile.TEAM_HOOK, project);
        String success = messages.stream().filter(m -> m.contains("succeeded")).findFirst().orElseThrow();
        assertThat(success).contains(project + "/etl", "2026-11-24T00:00:00+09:00", "/attempts/" + succeeded);
        JsonNode blocks = mapper.readTree(success).path("blocks");
        assertThat(blocks.isArray()).as("Block Kit by default").isTrue();
        String error = messages.stream().filter(m -> m.contains("failed")).findFirst().orElseThrow();
        assertThat(error).contains("+etl+load", "disk full on /data", "2026-11-25");

        await().atMost(Duration.ofSeconds(30)).until(() -> messagesAbout(NotifyTestProfile.OPS_WEBHOOK, project).size() == 1);
        JsonNode hook = mapper.readTree(messagesAbout(NotifyTestProfile.OPS_WEBHOOK, project).get(0));
        assertThat(hook.path("subscription").asText()).isEqualTo(ops);
        assertThat(hook.path("state").asText()).isEqualTo("error");
        assertThat(hook.path("variables").path("task").asText()).isEqualTo("+etl+load");
        assertThat(hook.path("variables").path("error").asText()).isEqualTo("disk full on /data");

        // The same session fails again in a retry: its event arrives and matches, but no second message is queued.
        double duplicatesBefore = matched(false);
        String retry = emulator.resumeFailed(failed, "retry-1");
        emulator.failTask(retry, "+etl+load", "disk full on /data");
        await().atMost(Duration.ofSeconds(30)).until(() -> matched(false) >= duplicatesBefore + 2);
        assertThat(Rows.count("notification_delivery WHERE subscription_name = '" + name + "' AND status = 'sent'"))
                .isEqualTo(2);
        assertThat(messagesAbout(NotifyTestProfile.TEAM_HOOK, project)).hasSize(2);
        assertThat(messagesAbout(NotifyTestProfile.OPS_WEBHOOK, project)).hasSize(1);
    }

    @Test
    void aBurstOfFiftyErrorsBecomesOneSummary() {
        String project = project("burst");
        String name = unique("burst");
        Map<String, Object> body = subscription(name, project, List.of("error"));
        body.put("slack", NotifyTestProfile.BURST_HOOK);
        subscribe(body);

        for (int i = 0; i < 50; i++) {
            failLoad(project, DAY.plusDays(i), "boom " + i);
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> Rows.count("notification_delivery WHERE subscription_name = '"
                + name + "' AND status = 'grouped'") == 50);
        List<String> messages = messagesAbout(NotifyTestProfile.BURST_HOOK, project);
        assertThat(messages).hasSize(1);
        assertThat(messages.get(0)).contains("50 notifications", name, "… and 30 more");
    }

    @Test
    void aSlackOutageDelaysMessagesButLosesNone() {
        String project = project("outage");
        String name = unique("outage");
        Map<String, Object> body = subscription(name, project, List.of("success"));
        body.put("slack", NotifyTestProfile.OUTAGE_HOOK);
        subscribe(body);
        int refusedBefore = slack.refused();

        slack.outage(OUTAGE);
        List<String> sessions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            OffsetDateTime session = DAY.plusDays(i);
            emulator.completeAll(emulator.startAttempt(project, "etl", session, Map.of()));
            sessions.add(session.toLocalDate().toString());
        }

        await().atMost(OUTAGE).until(() -> slack.refused() > refusedBefore);
        await().atMost(OUTAGE.plusSeconds(60)).until(() -> {
            String all = String.join("\n", messagesAbout(NotifyTestProfile.OUTAGE_HOOK, project));
            return sessions.stream().allMatch(all::contains);
        });
        assertThat(Rows.count("notification_delivery WHERE subscription_name = '" + name
                + "' AND status IN ('sent', 'grouped')")).isEqualTo(3);
        assertThat(Rows.count("notification_delivery WHERE subscription_name = '" + name + "' AND tries > 0"))
                .as("tried during the outage").isPositive();
    }

    @Test
    void expectationsAlertLateThenRecoveredNotStartedAndNothingForADisabledSchedule() {
        emulator.manual();
        // Schedules every minute; their next run at least 45 s away, so that nothing runs before Baton planned it.
        await().atMost(Duration.ofSeconds(70)).until(() -> emulator.now().atZone(ZoneOffset.UTC).getSecond() < 15);
        String onTime = scheduledProject("sla-late");
        String stuck = scheduledProject("sla-stuck");
        String disabled = scheduledProject("sla-off");
        DigdagClient client = clients.client("main");
        // A stuck scheduler still points at its next session; a disabled schedule plans none.
        emulator.stallSchedule(stuck, "etl", true);
        client.disableSchedule(schedule(client, disabled).id());
        Schedule schedule = schedule(client, onTime);
        // Due 40 s after the run: "by" is that time of day in Tokyo.
        String by = schedule.nextRunTime().plusSeconds(40).atZone(ZoneId.of("Asia/Tokyo")).toLocalTime()
                .format(DateTimeFormatter.ofPattern("HH:mm:ss"));
        for (String project : List.of(onTime, stuck, disabled)) {
            Map<String, Object> body = subscription(project, project, List.of("late", "failed", "not_started",
                    "recovered"));
            body.put("slack", NotifyTestProfile.SLA_HOOK);
            subscribe(body);
            as(TestTokens.writer("game")).body(Map.of("team", "game", "server", "main", "project", project,
                            "workflow", "etl", "by", by, "zone", "Asia/Tokyo"))
                    .put("/api/v1/expectations/" + project).then().statusCode(201);
        }
        Map<String, String> planned = new HashMap<>();
        for (String project : List.of(onTime, stuck)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> !sessions(project).isEmpty());
            JsonNode session = sessions(project).get(0);
            assertThat(session.path("state").asText()).isEqualTo("expected");
            planned.put(project, session.path("sessionTime").asText());
        }

        // At the run time the schedule of onTime starts its session, which then keeps running.
        await().atMost(Duration.ofSeconds(70)).until(() -> !attempts(client, onTime).isEmpty());
        assertThat(attempts(client, stuck)).isEmpty();
        String due = "Asia/Tokyo";
        // Past the due time: late, not started, and nothing for the disabled schedule.
        await().atMost(Duration.ofSeconds(70)).until(() -> state(onTime, planned).equals("late")
                && state(stuck, planned).equals("not_started"));
        await().atMost(Duration.ofSeconds(20)).until(() -> messagesAbout(NotifyTestProfile.SLA_HOOK, onTime).size() == 1
                && messagesAbout(NotifyTestProfile.SLA_HOOK, stuck).size() == 1);
        assertThat(messagesAbout(NotifyTestProfile.SLA_HOOK, onTime).get(0)).contains("is late", due);
        assertThat(messagesAbout(NotifyTestProfile.SLA_HOOK, stuck).get(0)).contains("has not started", due);

        emulator.completeAll(attempts(client, onTime).get(0).id());
        await().atMost(Duration.ofSeconds(20)).until(() -> state(onTime, planned).equals("recovered"));
        await().atMost(Duration.ofSeconds(20)).until(() -> messagesAbout(NotifyTestProfile.SLA_HOOK, onTime).size() == 2);
        assertThat(messagesAbout(NotifyTestProfile.SLA_HOOK, onTime).get(1)).contains("recovered");
        assertThat(messagesAbout(NotifyTestProfile.SLA_HOOK, stuck)).hasSize(1);
        assertThat(messagesAbout(NotifyTestProfile.SLA_HOOK, disabled)).isEmpty();
        assertThat(sessions(disabled)).as("a disabled schedule expects nothing").isEmpty();
        assertThat(Rows.count("event_outbox WHERE type = 'io.baton.expectation.late' AND subject = '" + onTime + "'"))
                .isEqualTo(1);
        assertThat(Rows.count("event_outbox WHERE type = 'io.baton.expectation.recovered' AND subject = '" + onTime
                + "'")).isEqualTo(1);
        assertThat(Rows.count("event_outbox WHERE type LIKE 'io.baton.expectation.%' AND subject = '" + disabled
                + "'")).isZero();
    }

    @Test
    void aScheduleDisabledAfterItsSessionWasRecordedAsExpectedAlertsNothing() {
        emulator.manual();
        await().atMost(Duration.ofSeconds(70)).until(() -> emulator.now().atZone(ZoneOffset.UTC).getSecond() < 15);
        String project = scheduledProject("sla-later");
        // The scheduler starts nothing, so a slow machine cannot see the slot run before the disable below; were the
        // schedule still enabled, that would alert not_started.
        emulator.stallSchedule(project, "etl", true);
        DigdagClient client = clients.client("main");
        Schedule schedule = schedule(client, project);
        // Due 5 s after the run, so the check after the due time comes before the schedule's next run would.
        String by = schedule.nextRunTime().plusSeconds(5).atZone(ZoneId.of("Asia/Tokyo")).toLocalTime()
                .format(DateTimeFormatter.ofPattern("HH:mm:ss"));
        Map<String, Object> body = subscription(project, project, List.of("late", "failed", "not_started",
                "recovered"));
        body.put("slack", NotifyTestProfile.SLA_HOOK);
        subscribe(body);
        as(TestTokens.writer("game")).body(Map.of("team", "game", "server", "main", "project", project,
                        "workflow", "etl", "by", by, "zone", "Asia/Tokyo"))
                .put("/api/v1/expectations/" + project).then().statusCode(201);
        await().atMost(Duration.ofSeconds(20)).until(() -> !sessions(project).isEmpty());
        Map<String, String> planned = Map.of(project, sessions(project).get(0).path("sessionTime").asText());
        assertThat(state(project, planned)).isEqualTo("expected");

        // Disabled after the slot was planned: the planned slot is dropped as not expected once due, no later slot is
        // planned, and nothing alerts.
        client.disableSchedule(schedule.id());
        await().atMost(Duration.ofSeconds(70)).until(() -> state(project, planned).equals("not_expected"));
        assertThat(attempts(client, project)).isEmpty();
        assertThat(sessions(project)).as("no slot after the disable").hasSize(1);
        assertThat(messagesAbout(NotifyTestProfile.SLA_HOOK, project)).isEmpty();
        assertThat(Rows.count("event_outbox WHERE type LIKE 'io.baton.expectation.%' AND subject = '" + project
                + "'")).isZero();
    }

    @Test
    void badSubscriptionsAreRefusedNamingTheFieldAndOnlyTheTeamMayWrite() {
        String project = project("bad");
        Map<String, Object> body = subscription("bad-one", project, List.of("success", "sunny"));
        body.put("slack", "nowhere");
        as(TestTokens.writer("game")).body(body).put("/api/v1/subscriptions/bad-one")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem("states[1]"))
                .body("errors.field", hasItem("slack"));
        Map<String, Object> task = subscription("bad-two", project, List.of("late"));
        task.put("task", "+etl+load");
        task.put("webhook", NotifyTestProfile.OPS_WEBHOOK);
        task.put("colour", "red");
        as(TestTokens.writer("game")).body(task).put("/api/v1/subscriptions/bad-two")
                .then().statusCode(400).body("errors[0].field", equalTo("colour"));
        task.remove("colour");
        as(TestTokens.writer("game")).body(task).put("/api/v1/subscriptions/bad-two")
                .then().statusCode(400).body("errors[0].field", equalTo("states[0]"));
        as(TestTokens.writer("game")).body(Map.of("team", "game", "server", "main", "project", project,
                        "workflow", "etl", "by", "7 am", "zone", "Mars/Olympus"))
                .put("/api/v1/expectations/bad-sla").then().statusCode(400)
                .body("errors.field", hasItem("by")).body("errors.field", hasItem("zone"));

        Map<String, Object> good = subscription("good-one", project, List.of("error"));
        good.put("slack", NotifyTestProfile.TEAM_HOOK);
        as(TestTokens.writer("bi")).body(good).put("/api/v1/subscriptions/good-one").then().statusCode(403);
        as(TestTokens.reader()).body(good).put("/api/v1/subscriptions/good-one").then().statusCode(403);
        subscribe(good);
        as(TestTokens.writer("game")).body(good).post("/api/v1/subscriptions").then().statusCode(409);
        as(TestTokens.writer("bi")).delete("/api/v1/subscriptions/good-one").then().statusCode(403);
        as(TestTokens.reader()).get("/api/v1/subscriptions?team=game").then().statusCode(200)
                .body("name", hasItem("good-one"));
        assertThat(Rows.count("subscription WHERE name LIKE 'bad-%'")).isZero();
        as(TestTokens.writer("game")).delete("/api/v1/subscriptions/good-one").then().statusCode(204);
        as(TestTokens.reader()).get("/api/v1/subscriptions/good-one").then().statusCode(404);
        assertThat(Rows.count("caller_audit WHERE action = 'subscription' AND target = 'good-one'")).isEqualTo(2);
    }

    // ---- expectations

    private String scheduledProject(String prefix) {
        String project = unique(prefix);
        emulator.project(project).workflow("etl", "Asia/Tokyo", sequence(task("load")), ScheduleSpec.cron("* * * * *"));
        return project;
    }

    private static Schedule schedule(DigdagClient client, String project) {
        return client.schedule(client.projectByName(project).orElseThrow().id(), "etl").orElseThrow();
    }

    private static List<Attempt> attempts(DigdagClient client, String project) {
        return client.attempts(new AttemptQuery(project, "etl", true, null, 100));
    }

    private static List<JsonNode> sessions(String expectation) {
        List<JsonNode> sessions = new ArrayList<>();
        as(TestTokens.reader()).get("/api/v1/expectations/" + expectation + "/sessions").then().statusCode(200)
                .extract().as(JsonNode.class).forEach(sessions::add);
        return sessions;
    }

    /** The state of the session first planned for the expectation (the schedule plans the next one after it). */
    private static String state(String expectation, Map<String, String> planned) {
        return sessions(expectation).stream()
                .filter(session -> session.path("sessionTime").asText().equals(planned.get(expectation)))
                .map(session -> session.path("state").asText()).findFirst().orElse("");
    }
}
