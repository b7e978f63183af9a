package io.baton.digdag.rest;

import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.baton.emulator.DigdagEmulator;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

import static io.baton.emulator.TaskSpec.group;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
public class DigdagApiTest {

    public static final OffsetDateTime SESSION = OffsetDateTime.parse("2026-11-24T00:00:00+09:00");
    public static final String SESSION_TEXT = "2026-11-24T00:00:00+09:00";

    @TestHTTPResource("/")
    URL baton;

    private final DigdagEmulator emulator = BatonTestServices.emulator();

    /** A project of its own with {@code etl}: extract, then load, in Tokyo time. */
    public static String etlProject(DigdagEmulator emulator) {
        String project = "d" + UUID.randomUUID().toString().substring(0, 8);
        emulator.project(project).workflow("etl", "Asia/Tokyo", sequence(task("extract"), task("load")));
        return project;
    }

    /** Paths are sent as written: a session time's '+' and ':' and a task's '+' stay literal. */
    public static RequestSpecification as(String token) {
        return given().urlEncodingEnabled(false).auth().oauth2(token).contentType(ContentType.JSON);
    }

    public static String session(String project, String sessionTime) {
        return "/api/v1/digdag/main/projects/" + project + "/workflows/etl/sessions/" + sessionTime;
    }

    @Test
    void taskStatusIsTheLatestStateInTheLatestAttempt() {
        String project = etlProject(emulator);
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        emulator.completeTask(attempt, "+etl+extract");

        as(TestTokens.reader()).get(session(project, "2026-11-24") + "/tasks/+etl+extract").then().statusCode(200)
                .body("server", equalTo("main"))
                .body("project", equalTo(project))
                .body("workflow", equalTo("etl"))
                .body("sessionTime", equalTo(SESSION_TEXT))
                .body("task", equalTo("+etl+extract"))
                .body("state", equalTo("success"))
                .body("done", is(true))
                .body("attemptId", equalTo(attempt))
                .body("attemptIndex", is(1))
                .body("attemptStatus", equalTo("running"))
                .body("updatedAt", notNullValue())
                .body("attemptUrl", equalTo(emulator.url() + "/attempts/" + attempt));

        // The name below the workflow, and the session time as a timestamp in another offset.
        as(TestTokens.reader()).get(session(project, "2026-11-23T15:00:00Z") + "/tasks/load").then().statusCode(200)
                .body("task", equalTo("+etl+load"))
                .body("state", equalTo("running"))
                .body("done", is(false));

        emulator.failTask(attempt, "+etl+load", "disk full");
        as(TestTokens.reader()).get(session(project, "2026-11-24") + "/tasks/load").then().statusCode(200)
                .body("state", equalTo("error"))
                .body("error", equalTo("disk full"))
                .body("attemptStatus", equalTo("error"));
    }

    /** A retried group lists its child twice under one name; the status is the current (highest id) copy's. */
    @Test
    void theStatusOfARetriedGroupsChildIsItsLatestCopy() {
        String project = "d" + UUID.randomUUID().toString().substring(0, 8);
        emulator.project(project).workflow("etl", "Asia/Tokyo",
                sequence(group("grp", task("flaky")).withRetry(1, Duration.ZERO), task("load")));
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        emulator.failTask(attempt, "+etl+grp+flaky", "failing once");
        emulator.completeTask(attempt, "+etl+grp+flaky");

        as(TestTokens.reader()).get(session(project, "2026-11-24") + "/tasks/+etl+grp+flaky").then().statusCode(200)
                .body("state", equalTo("success"))
                .body("done", is(true));
    }

    @Test
    void whatIsMissingIsNamed() {
        String project = etlProject(emulator);
        emulator.startAttempt(project, "etl", SESSION, Map.of());

        missing("/api/v1/digdag/nowhere/projects/" + project + "/workflows/etl/sessions/2026-11-24", "server",
                "nowhere");
        missing(session("nosuchproject", "2026-11-24"), "project", "nosuchproject");
        missing("/api/v1/digdag/main/projects/" + project + "/workflows/nosuchflow/sessions/2026-11-24",
                "workflow", "nosuchflow");
        missing(session(project, "2026-11-25"), "sessionTime", "2026-11-25T00:00:00+09:00");
        missing(session(project, "2026-11-25") + "/tasks/+etl+load", "sessionTime", "2026-11-25");
        missing(session(project, "2026-11-24") + "/tasks/+etl+nosuchtask", "task", "+etl+nosuchtask");
    }

    private static void missing(String path, String field, String detail) {
        as(TestTokens.reader()).get(path).then().statusCode(404)
                .contentType("application/problem+json")
                .body("status", is(404))
                .body("detail", containsString(detail))
                .body("errors[0].field", equalTo(field));
    }

    @Test
    void aBadSessionTimeIsA400NamingIt() {
        String project = etlProject(emulator);
        for (String bad : new String[]{"yesterday", "2026-11-24T00:00:00", "2026-13-01"}) {
            as(TestTokens.reader()).get(session(project, bad)).then().statusCode(400)
                    .contentType("application/problem+json")
                    .body("errors[0].field", equalTo("sessionTime"));
        }
    }

    @Test
    void readingNeedsAToken() {
        given().get(session("any", "2026-11-24")).then().statusCode(401)
                .contentType("application/problem+json");
    }

    @Test
    void startIsIdempotentAndTakesTheDateInTheWorkflowsTimeZone() {
        String project = etlProject(emulator);
        Response first = as(TestTokens.admin()).body(Map.of("params", Map.of("region", "jp")))
                .post(session(project, "2026-11-24") + ":start");
        first.then().statusCode(201)
                .body("created", is(true))
                .body("sessionTime", equalTo(SESSION_TEXT))
                .body("attempt.index", is(1))
                .body("attempt.status", equalTo("running"));
        String attempt = first.path("attempt.id");
        assertThat(emulator.attempt(attempt).params().get("region").asText()).isEqualTo("jp");

        as(TestTokens.admin()).post(session(project, SESSION_TEXT) + ":start").then().statusCode(200)
                .body("created", is(false))
                .body("attempt.id", equalTo(attempt));

        as(TestTokens.reader()).get(session(project, "2026-11-24")).then().statusCode(200)
                .body("sessionTime", equalTo(SESSION_TEXT))
                .body("attempts", hasSize(1))
                .body("attempts[0].id", equalTo(attempt))
                .body("attempts[0].status", equalTo("running"));
    }

    @Test
    void startAndRetryNeedAWriter() {
        String project = etlProject(emulator);
        as(TestTokens.reader()).post(session(project, "2026-11-24") + ":start").then().statusCode(403)
                .contentType("application/problem+json");
        given().urlEncodingEnabled(false).post(session(project, "2026-11-24") + ":retry").then().statusCode(401);
    }

    @Test
    void aStartNeedsNoBody() throws Exception {
        String project = etlProject(emulator);
        HttpRequest request = HttpRequest.newBuilder(URI.create(baton + session(project, "2026-11-24").substring(1)
                        + ":start"))
                .header("Authorization", "Bearer " + TestTokens.admin())
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);

        as(TestTokens.admin()).post(session(project, "2026-11-24") + ":start").then().statusCode(200)
                .body("created", is(false));
    }

    @Test
    void startRejectsUnknownBodyFields() {
        String project = etlProject(emulator);
        as(TestTokens.admin()).body(Map.of("param", Map.of())).post(session(project, "2026-11-24") + ":start")
                .then().statusCode(400).body("errors[0].field", equalTo("param"));
    }

    @Test
    void retryRerunsTheSessionOrOnlyWhatFailed() {
        String project = etlProject(emulator);
        String first = emulator.startAttempt(project, "etl", SESSION, Map.of("region", "jp"));

        as(TestTokens.admin()).post(session(project, "2026-11-24") + ":retry").then().statusCode(409)
                .contentType("application/problem+json")
                .body("detail", containsString("still running"));

        emulator.completeTask(first, "+etl+extract");
        emulator.failTask(first, "+etl+load", "boom");
        as(TestTokens.admin()).post(session(project, "2026-11-24") + ":retry?resume=everything").then()
                .statusCode(400).body("errors[0].field", equalTo("resume"));

        Response resumed = as(TestTokens.admin()).post(session(project, "2026-11-24") + ":retry?resume=failed");
        resumed.then().statusCode(201)
                .body("created", is(true))
                .body("attempt.index", is(2))
                .body("attempt.retryAttemptName", startsWith("baton-retry-"));
        String second = resumed.path("attempt.id");
        assertThat(emulator.attempt(second).params().get("region").asText()).as("params of the retried attempt")
                .isEqualTo("jp");
        assertThat(emulator.runningTasks(second)).containsExactly("+etl+load");

        emulator.completeTask(second, "+etl+load");
        as(TestTokens.admin()).post(session(project, "2026-11-24") + ":retry?resume=failed").then()
                .statusCode(409).body("errors[0].field", equalTo("resume"));

        Response full = as(TestTokens.admin()).post(session(project, "2026-11-24") + ":retry");
        full.then().statusCode(201).body("attempt.index", is(3));
        assertThat(emulator.runningTasks(full.path("attempt.id"))).containsExactly("+etl+extract");
        assertThat((String) full.path("attempt.retryAttemptName")).isNotEqualTo(resumed.path("attempt.retryAttemptName"));

        as(TestTokens.reader()).get(session(project, "2026-11-24")).then().statusCode(200)
                .body("attempts", hasSize(3))
                .body("attempts[0].status", equalTo("error"))
                .body("attempts[1].status", equalTo("success"))
                .body("attempts[2].status", equalTo("running"));
        as(TestTokens.reader()).get(session(project, "2026-11-24") + "/tasks/extract").then()
                .body("attemptId", equalTo(full.path("attempt.id")))
                .body("attemptIndex", is(3));
    }

    @Test
    void retryOfASessionThatNeverStartedIsA404() {
        String project = etlProject(emulator);
        as(TestTokens.admin()).post(session(project, "2026-11-24") + ":retry").then().statusCode(404)
                .body("errors[0].field", equalTo("sessionTime"));
    }
}
