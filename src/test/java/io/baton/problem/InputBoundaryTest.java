package io.baton.problem;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.BatonTestServices;
import io.baton.Rows;
import io.baton.TestTokens;
import io.baton.security.Caller;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.smallrye.jwt.build.Jwt;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/** The input boundary case by case: each of these was a 500 or a poisoned row before. */
@QuarkusTest
@TestProfile(HostileInputProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class InputBoundaryTest {

    private static final String TEAM = "fuzz";

    @Inject
    ObjectMapper mapper;

    private static RequestSpecification as(String token) {
        return given().urlEncodingEnabled(false).auth().oauth2(token).contentType(ContentType.JSON);
    }

    private static String writer() {
        return TestTokens.writer(TEAM);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Map<String, Object> rule(String name) {
        Map<String, Object> rule = new HashMap<>();
        rule.put("name", name);
        rule.put("team", TEAM);
        rule.put("upstreams", List.of(Map.of("digdag", Map.of("server", "main", "project", "game", "workflow", "etl"))));
        rule.put("action", new HashMap<>(Map.of("server", "main", "project", "bi", "workflow", "report")));
        return rule;
    }

    private static void rejects(Map<String, Object> rule, String field) {
        as(writer()).body(rule).post("/api/v1/rules").then().statusCode(400)
                .contentType(Problem.MEDIA_TYPE)
                .body("errors[0].field", equalTo(field));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> action(Map<String, Object> rule) {
        return (Map<String, Object>) rule.get("action");
    }

    @Test
    void aDeeplyNestedBodyIsRefusedAndTheRuleListStaysValidJson() throws Exception {
        String deep = "{\"a\":".repeat(996) + "1" + "}".repeat(996);
        String body = mapper.writeValueAsString(rule(unique("deep"))).replace("\"action\":{",
                "\"action\":{\"params\":" + deep + ",");
        as(writer()).body(body).post("/api/v1/rules").then().statusCode(400)
                .contentType(Problem.MEDIA_TYPE)
                .body("errors[0].field", startsWith("action.params.a"))
                .body("errors[0].message", containsString("nest"));

        // As deep as the limit allows is stored, and every page and its history still read as JSON.
        int allowed = InputLimits.MAX_JSON_DEPTH - 2;
        String name = unique("deepest");
        String deepest = "{\"a\":".repeat(allowed) + "1" + "}".repeat(allowed);
        as(writer()).body(mapper.writeValueAsString(rule(name)).replace("\"action\":{",
                "\"action\":{\"params\":" + deepest + ",")).post("/api/v1/rules").then().statusCode(201);
        for (String path : List.of("/api/v1/rules?size=500", "/api/v1/rules/" + name, "/api/v1/rules/" + name
                + "/history")) {
            String answer = as(TestTokens.reader()).get(path).then().statusCode(200).extract().asString();
            assertThat(mapper.readTree(answer)).as(path).isNotNull();
        }
    }

    @Test
    void enumsAcceptOnlyTheirStrings() throws Exception {
        String body = mapper.writeValueAsString(rule(unique("enum")));
        for (String[] bad : new String[][]{{"\"team\":", "\"match\":1,", "match"},
                {"\"project\":\"game\"", "\"outcome\":2,", "upstreams[0].digdag.outcome"},
                {"\"workflow\":\"report\"", "\"ifFailed\":1,", "action.ifFailed"}}) {
            String mutated = body.replace(bad[0], bad[1] + bad[0]);
            as(writer()).body(mutated).post("/api/v1/rules").then().statusCode(400)
                    .body("errors[0].field", equalTo(bad[2]))
                    .body("errors[0].message", containsString("is not one of"));
        }
    }

    @Test
    void controlCharactersAndLengthsAreRefusedInBodiesAndParameters() throws Exception {
        Map<String, Object> rule = rule(unique("nul"));
        rule.put("description", "line one\nline two\u0000");
        rejects(rule, "description");

        rule = rule(unique("nul"));
        action(rule).put("params", Map.of("k\u0000ey", "v"));
        rejects(rule, "action.params");
        action(rule).put("params", Map.of("key", List.of("ok", "v\u0000")));
        rejects(rule, "action.params.key[1]");
        action(rule).put("params", Map.of("key", "x".repeat(InputLimits.MAX_STORED_JSON)));
        rejects(rule, "action.params");

        String name = unique("exists");
        as(writer()).body(rule(name)).post("/api/v1/rules").then().statusCode(201);
        Map<String, String> fieldByPath = Map.of(
                "/api/v1/rules/%00", "name",
                "/api/v1/rules/%00/history", "name",
                "/api/v1/rules/%00/runs", "name",
                "/api/v1/rules/%00/explain?session=2026-11-24", "name",
                "/api/v1/rules/" + name + "/explain?session=%00", "session",
                "/api/v1/rules/" + name + "/runs?from=2026-11-24%01", "from",
                "/api/v1/rules/" + "a".repeat(1001), "name");
        fieldByPath.forEach((path, field) -> as(TestTokens.reader()).get(path).then().statusCode(400)
                .contentType(Problem.MEDIA_TYPE).body("errors[0].field", equalTo(field)));
        as(writer()).body(Map.of("enabled", false)).patch("/api/v1/rules/x%00y").then().statusCode(400)
                .body("errors[0].field", equalTo("name"));
        as(writer()).delete("/api/v1/rules/x%00y").then().statusCode(400).body("errors[0].field", equalTo("name"));
        as(writer()).get("/api/v1/rules/" + name).then().statusCode(200);
    }

    @Test
    void durationsAndPeriodsStayWithinAYear() {
        for (String shift : List.of("P999999999Y", "PT2562047788015215H", "P-999999999Y", "P367D", "-P13M")) {
            Map<String, Object> rule = rule(unique("shift"));
            rule.put("correlation", Map.of("by", "session_date", "downstreamShift", shift));
            rejects(rule, "correlation.downstreamShift");
        }
        for (String window : List.of("PT2562047788015215H", "P367D", "PT8785H")) {
            Map<String, Object> rule = rule(unique("window"));
            rule.put("window", window);
            rejects(rule, "window");
        }
        Map<String, Object> rule = rule(unique("every"));
        rule.put("correlation", Map.of("by", "session_date", "upstreamEvery", "PT2562047788015215H"));
        rejects(rule, "correlation.upstreamEvery");

        rule = rule(unique("year"));
        rule.put("correlation", Map.of("by", "session_date", "downstreamShift", "-P366D"));
        rule.put("window", "P366D");
        as(writer()).body(rule).post("/api/v1/rules").then().statusCode(201);
    }

    @Test
    void aFireWithAnExtremeSessionIsA400AndWritesNoRun() {
        String name = unique("fire");
        Map<String, Object> rule = rule(name);
        rule.put("correlation", Map.of("by", "session_date", "downstreamShift", "P1D"));
        as(writer()).body(rule).post("/api/v1/rules").then().statusCode(201);
        for (String session : List.of("-999999999-01-01T00:00:00Z", "+999999999-12-31T23:59:59-18:00",
                "-999999999-01-01T00:00:00+18:00", "1969-12-31T23:59:59Z", "9999-12-31")) {
            as(writer()).queryParam("session", session.replace("+", "%2B")).post("/api/v1/rules/" + name + "/fire")
                    .then().statusCode(400).contentType(Problem.MEDIA_TYPE).body("errors[0].field", equalTo("session"));
        }
        assertThat(Rows.count("trigger_run WHERE rule_name = '" + name + "'")).isZero();
        assertThat(Rows.count("caller_audit WHERE target = '" + name + "'")).isZero();
        as(TestTokens.reader()).get("/api/v1/rules/" + name + "/runs").then().statusCode(200);
    }

    @Test
    void extremeSessionTimesOnTheDigdagEndpointsAreA400() {
        String project = "bounds" + UUID.randomUUID().toString().substring(0, 6);
        BatonTestServices.emulator().project(project).workflow("etl", "Asia/Tokyo", sequence(task("load")));
        String base = "/api/v1/digdag/main/projects/" + project + "/workflows/etl/sessions/";
        for (String session : List.of("%2B999999999-12-31T23:59:59-18:00", "-999999999-01-01T00:00:00%2B18:00",
                "1969-12-31", "10000-01-01T00:00:00Z")) {
            as(TestTokens.reader()).get(base + session).then().statusCode(400).body("errors[0].field",
                    equalTo("sessionTime"));
            as(TestTokens.reader()).get(base + session + "/tasks/load/wait?timeout=1s").then().statusCode(400)
                    .body("errors[0].field", equalTo("sessionTime"));
            as(TestTokens.admin()).post(base + session + ":start").then().statusCode(400)
                    .body("errors[0].field", equalTo("sessionTime"));
            as(TestTokens.admin()).post(base + session + ":retry").then().statusCode(400)
                    .body("errors[0].field", equalTo("sessionTime"));
        }
        assertThat(Rows.count("caller_audit WHERE target LIKE '%/" + project + "/%'")).isZero();
    }

    @Test
    void aTeamClaimThatIsNotAStringOrASubjectTooLongToRecordIsA403() {
        for (Object team : List.of(42, List.of(TEAM, "bi"), Map.of("name", TEAM))) {
            String token = Jwt.issuer(BatonTestServices.TestKeys.ISSUER).subject("odd").claim(Caller.TEAM_CLAIM, team)
                    .groups(Set.of(Caller.WRITER)).expiresIn(600).sign();
            as(token).body(rule(unique("claim"))).post("/api/v1/rules").then().statusCode(403)
                    .contentType(Problem.MEDIA_TYPE)
                    .body("detail", containsString("claim must be a string"));
        }
        // A subject Baton could not record as the actor is refused before anything is written.
        String longSubject = TestTokens.token("s".repeat(201), TEAM, Set.of(Caller.WRITER));
        String name = unique("subject");
        as(longSubject).body(rule(name)).post("/api/v1/rules").then().statusCode(403)
                .body("detail", containsString("subject"));
        assertThat(Rows.count("rules WHERE name = '" + name + "'")).isZero();
    }

    @Test
    void theEventsEndpointRefusesDuplicateKeysAndNumbersOutOfRange() {
        String event = "{\"specversion\":\"1.0\",\"id\":\"e1\",\"id\":\"e2\",\"type\":\"com.example.dup\","
                + "\"source\":\"urn:dup\"}";
        as(writer()).body(event).post("/api/v1/events").then().statusCode(400).body("errors[0].field", equalTo("id"));
        String nested = "{\"specversion\":\"1.0\",\"id\":\"e5\",\"type\":\"com.example.dup\",\"source\":\"urn:dup\","
                + "\"data\":{\"rows\":[{\"n\":1,\"n\":2}]}}";
        as(writer()).body(nested).post("/api/v1/events").then().statusCode(400)
                .body("errors[0].field", equalTo("data.rows[0].n"));
        String huge = "{\"specversion\":\"1.0\",\"id\":\"e3\",\"type\":\"com.example.dup\",\"source\":\"urn:dup\","
                + "\"data\":{\"rows\":1e400}}";
        as(writer()).body(huge).post("/api/v1/events").then().statusCode(400)
                .body("errors[0].field", equalTo("data.rows"));
        String farFuture = "{\"specversion\":\"1.0\",\"id\":\"e4\",\"type\":\"com.example.dup\",\"source\":\"urn:dup\","
                + "\"time\":\"+999999999-12-31T23:59:59-18:00\"}";
        as(writer()).body(farFuture).post("/api/v1/events").then().statusCode(400)
                .body("errors[0].field", equalTo("time"));
        assertThat(Rows.count("event_outbox WHERE source = 'urn:dup'")).isZero();
    }

}
