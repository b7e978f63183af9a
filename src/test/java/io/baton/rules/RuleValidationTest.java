package io.baton.rules;

import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.baton.rules.RulesApiTest.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
@TestProfile(RulesTestProfile.class)
class RuleValidationTest {

    private static final String WRITER = TestTokens.writer("bi");

    /** Posts the rule, expects a 400 problem, and that nothing was written. */
    private static ValidatableResponse rejected(Map<String, Object> rule) {
        ValidatableResponse response = as(WRITER).body(rule).post("/api/v1/rules").then().statusCode(400)
                .contentType("application/problem+json")
                .body("status", is(400))
                .body("type", equalTo("urn:baton:problem:invalid-request"))
                .body("instance", equalTo("/api/v1/rules"));
        assertNotStored(rule.get("name"));
        return response;
    }

    private static void assertNotStored(Object name) {
        if (name instanceof String rule && RuleValidator.SLUG.matcher(rule).matches()) {
            as(TestTokens.reader()).get("/api/v1/rules/" + rule).then().statusCode(404);
            as(TestTokens.reader()).get("/api/v1/rules/" + rule + "/history").then().statusCode(404);
        }
    }

    private static Map<String, Object> rule() {
        return RuleBodies.rule(RuleBodies.unique("v"), "bi", "game", "bi");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> action(Map<String, Object> rule) {
        Map<String, Object> action = new HashMap<>((Map<String, Object>) rule.get("action"));
        rule.put("action", action);
        return action;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> firstDigdag(Map<String, Object> rule) {
        return (Map<String, Object>) ((Map<String, Object>) ((List<Object>) rule.get("upstreams")).get(0))
                .get("digdag");
    }

    @Test
    void onUpstreamRerunIsOneOfThreeAndNeedsADigdagUpstream() {
        Map<String, Object> rule = rule();
        rule.put("onUpstreamRerun", "sometimes");
        rejected(rule).body("errors[0].field", equalTo("onUpstreamRerun"))
                .body("errors[0].message", allOf(containsString("'sometimes' is not one of"),
                        containsString("ignore"), containsString("notify"), containsString("rerun")));
        rule.put("onUpstreamRerun", "rerun");
        rule.put("upstreams", List.of(Map.of("event", Map.of("type", "com.example.loaded"))));
        rejected(rule).body("errors.field", equalTo(List.of("onUpstreamRerun")))
                .body("errors[0].message", containsString("needs a Digdag upstream"));
        rule.put("onUpstreamRerun", "notify");
        rule.put("upstreams", List.of(RuleBodies.digdag("game", "etl", null)));
        as(WRITER).body(rule).post("/api/v1/rules").then().statusCode(201).body("onUpstreamRerun", equalTo("notify"));
    }

    @Test
    void unknownServers() {
        Map<String, Object> rule = rule();
        firstDigdag(rule).put("server", "nowhere");
        action(rule).put("server", "elsewhere");
        rejected(rule)
                .body("errors.field", containsInAnyOrder("upstreams[0].digdag.server", "action.server"))
                .body("errors.message", hasItem(allOf(containsString("'nowhere'"), containsString("[analytics, main]"))));
    }

    @Test
    void badTimeZones() {
        Map<String, Object> rule = rule();
        rule.put("correlation", Map.of("by", "session_date", "zone", "Asia/Nowhere"));
        rule.put("deadline", Map.of("time", "07:00", "zone", "Mars/Olympus"));
        rejected(rule)
                .body("errors.field", containsInAnyOrder("correlation.zone", "deadline.zone"))
                .body("errors[0].message", containsString("unknown time zone"));
    }

    @Test
    void emptyOrMissingUpstreams() {
        Map<String, Object> rule = rule();
        rule.put("upstreams", List.of());
        rejected(rule).body("errors.field", containsInAnyOrder("upstreams"));
        rule.remove("upstreams");
        rejected(rule).body("errors.field", containsInAnyOrder("upstreams"));
    }

    @Test
    void badDeadlineTimes() {
        for (String time : List.of("7am", "25:00", "07:60", "7:00", "0 7 * * *", "")) {
            Map<String, Object> rule = rule();
            rule.put("deadline", Map.of("time", time));
            rejected(rule).body("errors.field", containsInAnyOrder("deadline.time"));
        }
        Map<String, Object> rule = rule();
        rule.put("deadline", Map.of("zone", "Asia/Tokyo"));
        rejected(rule).body("errors.field", containsInAnyOrder("deadline.time"));
    }

    @Test
    void paramsMustBeAJsonObjectWithKnownPlaceholders() {
        for (Object params : List.of("{\"date\": 1}", List.of("a"), 42)) {
            Map<String, Object> rule = rule();
            action(rule).put("params", params);
            rejected(rule).body("errors.field", containsInAnyOrder("action.params"))
                    .body("errors[0].message", equalTo("must be a JSON object"));
        }
        Map<String, Object> rule = rule();
        action(rule).put("params", Map.of("date", "${upstream.session_date}",
                "nested", Map.of("list", List.of("${upstream.sesion_time}")), "other", "${session_date}"));
        rejected(rule).body("errors.field", containsInAnyOrder("action.params"))
                .body("errors[0].message", allOf(containsString("${upstream.sesion_time}"),
                        containsString("${session_date}"), not(containsString("[${upstream.session_date}"))));
    }

    @Test
    void namesAndTeamsAreSlugs() {
        for (String name : List.of("Upper", "with space", "-dash-first", "a".repeat(64), "ルール",
                "x'; DROP TABLE rules; --", "<script>alert(1)</script>")) {
            Map<String, Object> rule = rule();
            rule.put("name", name);
            rule.put("team", name);
            rejected(rule).body("errors.field", containsInAnyOrder("name", "team"));
        }
        // A control character is refused as the body is read, at the first field that holds one.
        Map<String, Object> nul = rule();
        nul.put("name", "name\u0000nul");
        rejected(nul).body("errors.field", containsInAnyOrder("name"))
                .body("errors[0].message", containsString("control characters"));
        Map<String, Object> rule = rule();
        rule.remove("team");
        rejected(rule).body("errors.field", containsInAnyOrder("team"))
                .body("errors[0].message", equalTo("is required"));
    }

    @Test
    void conditionShapes() {
        Map<String, Object> rule = rule();
        rule.put("upstreams", new ArrayList<>(List.of(
                Map.of("digdag", Map.of("server", "main", "project", "game", "workflow", "etl"),
                        "event", Map.of("type", "com.example.x")),
                Map.of("id", "only-id"),
                Map.of("digdag", Map.of("server", "main", "project", " ", "workflow", "etl", "task", "load")),
                Map.of("event", Map.of("type", "has space")),
                Map.of("id", "Bad Id", "event", Map.of("type", "com.example.y")))));
        rejected(rule).body("errors.field", containsInAnyOrder("upstreams[0]", "upstreams[1]",
                "upstreams[2].digdag.project", "upstreams[2].digdag.task", "upstreams[3].event.type",
                "upstreams[4].id"));
    }

    @Test
    void upstreamIdsAreUniqueAndDerivedWhenAbsent() {
        Map<String, Object> rule = rule();
        rule.put("upstreams", List.of(
                Map.of("id", "same", "event", Map.of("type", "com.example.a")),
                Map.of("id", "same", "event", Map.of("type", "com.example.b"))));
        rejected(rule).body("errors.field", containsInAnyOrder("upstreams[1].id"));

        rule.put("upstreams", List.of(RuleBodies.digdag("game", "etl", "+etl+load"),
                RuleBodies.digdag("game", "etl", "+etl+load"), Map.of("event", Map.of("type", "com.example.CRM"))));
        as(WRITER).body(rule).post("/api/v1/rules:validate").then().statusCode(200)
                .body("upstreams.id", equalTo(List.of("game-etl-etl-load", "game-etl-etl-load-2", "com-example-crm")));
    }

    @Test
    void durationsAndCorrelationVocabulary() {
        Map<String, Object> rule = rule();
        rule.put("window", "12h");
        rule.put("correlation", Map.of("by", "session_time", "upstreamEvery", "PT1H", "downstreamShift", "tomorrow"));
        rejected(rule).body("errors.field", containsInAnyOrder("window", "correlation.upstreamEvery",
                "correlation.downstreamShift"));

        rule.put("window", "-PT1H");
        rule.put("correlation", Map.of("by", "session_date", "upstreamEvery", "PT7H"));
        rejected(rule).body("errors.field", containsInAnyOrder("window", "correlation.upstreamEvery"));

        rule.put("window", "PT12H");
        rule.put("correlation", Map.of("by", "session_day"));
        rejected(rule).body("errors.field", containsInAnyOrder("correlation.by"))
                .body("errors[0].message", allOf(containsString("'session_day'"), containsString("session_date")));

        rule.put("correlation", Map.of("by", "session_date", "zone", "Asia/Tokyo", "upstreamEvery", "PT1H",
                "downstreamShift", "P1D"));
        as(WRITER).body(rule).post("/api/v1/rules:validate").then().statusCode(200)
                .body("correlation.upstreamEvery", equalTo("PT1H"))
                .body("correlation.downstreamShift", equalTo("P1D"));
    }

    @Test
    void slackWebhooksAreReferencedByConfiguredName() {
        Map<String, Object> rule = rule();
        rule.put("notify", Map.of("slack", "https://hooks.slack.com/services/T/B/secret"));
        rejected(rule).body("errors.field", containsInAnyOrder("notify.slack"))
                .body("errors[0].message", containsString("[bi-alerts]"));
        rule.put("notify", Map.of("slack", "bi-alerts"));
        as(WRITER).body(rule).post("/api/v1/rules").then().statusCode(201)
                .body("notify.slack", equalTo("bi-alerts"))
                .body(not(containsString("hooks.slack")));
    }

    @Test
    void everyBadFieldIsListedAtOnce() {
        Map<String, Object> rule = rule();
        rule.put("name", "Bad Name");
        rule.put("upstreams", List.of());
        rule.put("window", "soon");
        rule.put("deadline", Map.of("time", "7", "zone", "Nowhere"));
        action(rule).put("server", "nowhere");
        rejected(rule).body("errors", hasSize(6)).body("detail", equalTo("6 fields are invalid"));
    }

    @Test
    void malformedJson() {
        as(WRITER).body("{\"name\": \"x\", ").post("/api/v1/rules").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("body"))
                .body("errors[0].message", startsWith("malformed JSON"));
        as(WRITER).body("not json at all").post("/api/v1/rules").then().statusCode(400)
                .body("errors[0].message", startsWith("malformed JSON"));
        as(WRITER).body("{\"name\": \"a\"} {\"name\": \"b\"}").post("/api/v1/rules").then().statusCode(400)
                .body("errors[0].field", equalTo("body"));
        as(WRITER).body("").post("/api/v1/rules").then().statusCode(400)
                .body("errors[0].field", equalTo("body"));
        as(WRITER).body("[]").post("/api/v1/rules").then().statusCode(400)
                .body("errors[0].message", equalTo("expected an object"));
    }

    @Test
    void wrongTypesNameTheField() {
        as(WRITER).body(Map.of("name", 12)).post("/api/v1/rules").then().statusCode(400)
                .body("errors[0].field", equalTo("name"))
                .body("errors[0].message", equalTo("cannot read '12' as a string"));
        Map<String, Object> rule = rule();
        rule.put("enabled", "yes");
        rejected(rule).body("errors[0].field", equalTo("enabled"));
        rule.put("enabled", "true");
        rejected(rule).body("errors[0].field", equalTo("enabled"));
        rule.put("enabled", true);
        rule.put("upstreams", Map.of("digdag", Map.of()));
        rejected(rule).body("errors[0].field", equalTo("upstreams"))
                .body("errors[0].message", equalTo("expected an array"));
        rule.put("upstreams", List.of(Map.of("digdag", Map.of("server", "main", "project", "game",
                "workflow", "etl", "outcome", "ok"))));
        rejected(rule).body("errors[0].field", equalTo("upstreams[0].digdag.outcome"))
                .body("errors[0].message", allOf(containsString("'ok' is not one of"), containsString("success"),
                        containsString("failure"), containsString("finished")));
        rule.put("upstreams", List.of(RuleBodies.digdag("game", "etl", null)));
        rule.put("mode", "dry-run");
        rejected(rule).body("errors[0].field", equalTo("mode"))
                .body("errors[0].message", allOf(containsString("active"), containsString("shadow")));
        rule.remove("mode");
        rule.put("version", "three");
        rejected(rule).body("errors[0].field", equalTo("version"));
    }

    @Test
    void unknownAndDuplicateFieldsAreRejected() {
        Map<String, Object> rule = rule();
        rule.put("triggerWhen", "always");
        rejected(rule).body("errors[0].field", equalTo("triggerWhen"))
                .body("errors[0].message", equalTo("unknown field"));

        rule = rule();
        firstDigdag(rule).put("projct", "typo");
        rejected(rule).body("errors[0].field", equalTo("upstreams[0].digdag.projct"));

        as(WRITER).body("{\"name\": \"dup-a\", \"name\": \"dup-b\"}").post("/api/v1/rules").then()
                .statusCode(400).body("errors[0].field", equalTo("name"))
                .body("errors[0].message", equalTo("is given more than once"));
    }

    @Test
    void tooLargeBodiesAreRefused() {
        Map<String, Object> rule = rule();
        rule.put("description", "x".repeat(100_000));
        as(WRITER).body(rule).post("/api/v1/rules").then().statusCode(413)
                .contentType("application/problem+json")
                .body("status", is(413))
                .body("detail", containsString("65536 bytes"));
        // Chunked, without Content-Length: Quarkus' own limit applies.
        byte[] chunked = ("{\"name\": \"chunked\", \"description\": \"" + "y".repeat(100_000) + "\"}").getBytes();
        as(WRITER).body(new ByteArrayInputStream(chunked)).post("/api/v1/rules").then().statusCode(413);
        assertNotStored(rule.get("name"));
        assertNotStored("chunked");

        rule.put("description", "z".repeat(2001));
        rejected(rule).body("errors.field", containsInAnyOrder("description"));
    }

    @Test
    void unicodeAndInjectionStringsAreStoredVerbatim() {
        Map<String, Object> rule = rule();
        String description = "日本語の説明 🚀 '; DROP TABLE rules; -- <script>alert(1)</script> ${jndi:ldap://x}";
        rule.put("description", description);
        firstDigdag(rule).put("project", "ゲーム");
        action(rule).put("params", Map.of("note", "Robert'); DROP TABLE rule_audit;--", "emoji", "✅"));
        String name = (String) rule.get("name");
        as(WRITER).body(rule).post("/api/v1/rules").then().statusCode(201);
        as(TestTokens.reader()).get("/api/v1/rules/" + name).then().statusCode(200)
                .body("description", equalTo(description))
                .body("upstreams[0].digdag.project", equalTo("ゲーム"))
                .body("action.params.note", equalTo("Robert'); DROP TABLE rule_audit;--"));
        given().auth().oauth2(TestTokens.reader()).queryParam("upstream", "main/ゲーム/etl").get("/api/v1/rules")
                .then().body("items.name", equalTo(List.of(name)));
        given().auth().oauth2(TestTokens.reader()).queryParam("team", "' OR 1=1 --").get("/api/v1/rules").then()
                .statusCode(200).body("total", is(0));
        as(TestTokens.reader()).get("/api/v1/rules/" + name + "/history").then().statusCode(200)
                .body("items[0].after.description", equalTo(description));
    }

    @Test
    void wrongMediaTypeAndMissingBody() {
        as(WRITER).contentType("text/plain").body("name: x").post("/api/v1/rules").then().statusCode(415)
                .contentType("application/problem+json").body("status", is(415));
        as(WRITER).body("null").post("/api/v1/rules").then().statusCode(400)
                .body("errors[0].field", equalTo("body"));
    }

    @Test
    void putNameMustMatchThePath() {
        Map<String, Object> rule = rule();
        as(WRITER).body(rule).put("/api/v1/rules/other-name").then().statusCode(400)
                .body("errors[0].field", equalTo("name"));
        as(TestTokens.reader()).get("/api/v1/rules/other-name").then().statusCode(404);
    }
}
