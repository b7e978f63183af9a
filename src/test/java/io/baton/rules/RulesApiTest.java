package io.baton.rules;

import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
@TestProfile(RulesTestProfile.class)
class RulesApiTest {

    /** RestAssured would percent-encode the ':' of {@code rules:validate}. */
    static RequestSpecification as(String token) {
        return given().urlEncodingEnabled(false).auth().oauth2(token).contentType(ContentType.JSON);
    }

    @Test
    void createReadReplaceDisableDelete() {
        String name = RuleBodies.unique("crud");
        Map<String, Object> rule = RuleBodies.rule(name, "bi", "game", "bi");

        as(TestTokens.writer("bi")).body(rule).post("/api/v1/rules").then().statusCode(201)
                .header("Location", endsWith("/api/v1/rules/" + name))
                .header("ETag", "\"0\"")
                .body("name", equalTo(name))
                .body("enabled", is(true))
                .body("match", equalTo("all"))
                .body("correlation.by", equalTo("session_time"))
                .body("correlation.zone", equalTo("UTC"))
                .body("window", equalTo("PT24H"))
                .body("upstreams[0].id", equalTo("game-etl"))
                .body("upstreams[0].digdag.outcome", equalTo("success"))
                .body("action.ifFailed", equalTo("none"))
                .body("action.params.size()", is(0))
                .body("version", is(0))
                .body("createdBy", equalTo("bi-writer"));

        as(TestTokens.reader()).get("/api/v1/rules/" + name).then().statusCode(200)
                .header("ETag", "\"0\"")
                .body("team", equalTo("bi"))
                .body("createdAt", notNullValue());

        rule.put("description", "now with a description");
        as(TestTokens.writer("bi")).header("If-Match", "\"0\"").body(rule).put("/api/v1/rules/" + name)
                .then().statusCode(200)
                .body("description", equalTo("now with a description"))
                .body("version", is(1));

        as(TestTokens.writer("bi")).body(Map.of("enabled", false)).patch("/api/v1/rules/" + name)
                .then().statusCode(200).body("enabled", is(false)).body("version", is(2));
        as(TestTokens.reader()).get("/api/v1/rules/" + name).then().body("enabled", is(false))
                .body("description", equalTo("now with a description"));

        as(TestTokens.writer("bi")).delete("/api/v1/rules/" + name).then().statusCode(204);
        as(TestTokens.reader()).get("/api/v1/rules/" + name).then().statusCode(404)
                .contentType("application/problem+json")
                .body("status", is(404))
                .body("detail", containsString(name));
        as(TestTokens.writer("bi")).delete("/api/v1/rules/" + name).then().statusCode(404);
    }

    @Test
    void putCreatesThenIsIdempotent() {
        String name = RuleBodies.unique("idem");
        Map<String, Object> rule = RuleBodies.rule(name, "bi", "game", "bi");
        rule.remove("name");

        as(TestTokens.writer("bi")).body(rule).put("/api/v1/rules/" + name).then().statusCode(201)
                .header("Location", endsWith("/api/v1/rules/" + name))
                .body("name", equalTo(name)).body("version", is(0));
        as(TestTokens.writer("bi")).body(rule).put("/api/v1/rules/" + name).then().statusCode(200)
                .body("version", is(0));

        // What GET returns can be sent back as it is.
        Map<String, Object> fetched = as(TestTokens.reader()).get("/api/v1/rules/" + name).then().extract()
                .jsonPath().getMap("");
        as(TestTokens.writer("bi")).body(fetched).put("/api/v1/rules/" + name).then().statusCode(200)
                .body("version", is(0));

        as(TestTokens.reader()).get("/api/v1/rules/" + name + "/history").then().statusCode(200)
                .body("items", hasSize(1)).body("items[0].action", equalTo("create"));
    }

    @Test
    void staleVersionIsAConflict() {
        String name = RuleBodies.unique("lock");
        Map<String, Object> rule = RuleBodies.rule(name, "bi", "game", "bi");
        as(TestTokens.writer("bi")).body(rule).post("/api/v1/rules").then().statusCode(201);

        rule.put("description", "first writer");
        rule.put("version", 0);
        as(TestTokens.writer("bi")).body(rule).put("/api/v1/rules/" + name).then().statusCode(200)
                .body("version", is(1));

        rule.put("description", "second writer read version 0");
        as(TestTokens.writer("bi")).body(rule).put("/api/v1/rules/" + name).then().statusCode(409)
                .contentType("application/problem+json")
                .body("status", is(409))
                .body("errors[0].field", equalTo("version"))
                .body("detail", containsString("version 1"));
        as(TestTokens.writer("bi")).header("If-Match", "\"0\"").body(Map.of("enabled", false))
                .patch("/api/v1/rules/" + name).then().statusCode(409);
        as(TestTokens.writer("bi")).header("If-Match", "0").delete("/api/v1/rules/" + name).then().statusCode(409);
        as(TestTokens.writer("bi")).header("If-Match", "not-a-version").delete("/api/v1/rules/" + name)
                .then().statusCode(400).body("errors[0].field", equalTo("If-Match"));

        as(TestTokens.reader()).get("/api/v1/rules/" + name).then()
                .body("description", equalTo("first writer")).body("version", is(1));
    }

    @Test
    void concurrentWritersOfTheSameVersionGetOneWinner() throws Exception {
        String name = RuleBodies.unique("race");
        as(TestTokens.writer("bi")).body(RuleBodies.rule(name, "bi", "game", "bi")).post("/api/v1/rules")
                .then().statusCode(201);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Map<String, Object> rule = RuleBodies.rule(name, "bi", "game", "bi");
                rule.put("description", "writer " + i);
                rule.put("version", 0);
                statuses.add(pool.submit(() -> as(TestTokens.writer("bi")).body(rule).put("/api/v1/rules/" + name)
                        .statusCode()));
            }
            List<Integer> codes = new ArrayList<>();
            for (Future<Integer> status : statuses) {
                codes.add(status.get(30, TimeUnit.SECONDS));
            }
            assertThat(codes).containsOnly(200, 409);
            assertThat(codes).filteredOn(code -> code == 200).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        as(TestTokens.reader()).get("/api/v1/rules/" + name).then().body("version", is(1));
        as(TestTokens.reader()).get("/api/v1/rules/" + name + "/history").then().body("total", is(2));
    }

    @Test
    void postOfATakenNameIsAConflict() {
        String name = RuleBodies.unique("taken");
        as(TestTokens.writer("bi")).body(RuleBodies.rule(name, "bi", "game", "bi")).post("/api/v1/rules")
                .then().statusCode(201);
        as(TestTokens.writer("bi")).body(RuleBodies.rule(name, "bi", "eikaiwa", "bi")).post("/api/v1/rules")
                .then().statusCode(409)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("name"))
                .body("errors[0].message", equalTo("is taken"));
    }

    @Test
    void listsPagesAndFilters() {
        String team = RuleBodies.unique("team");
        String upstream = RuleBodies.unique("up");
        for (int i = 0; i < 5; i++) {
            Map<String, Object> rule = RuleBodies.rule(team + "-r" + i, team, i < 3 ? upstream : "other",
                    i % 2 == 0 ? team + "-even" : team + "-odd");
            as(TestTokens.admin()).body(rule).post("/api/v1/rules").then().statusCode(201);
        }

        as(TestTokens.reader()).queryParam("team", team).queryParam("size", 2).get("/api/v1/rules").then()
                .statusCode(200)
                .body("total", is(5)).body("page", is(0)).body("size", is(2))
                .body("items.name", contains(team + "-r0", team + "-r1"));
        as(TestTokens.reader()).queryParam("team", team).queryParam("size", 2).queryParam("page", 2)
                .get("/api/v1/rules").then()
                .body("items.name", contains(team + "-r4"));
        as(TestTokens.reader()).queryParam("upstream", "main/" + upstream + "/etl").get("/api/v1/rules").then()
                .body("items.name", contains(team + "-r0", team + "-r1", team + "-r2"));
        as(TestTokens.reader()).queryParam("downstream", "main/" + team + "-even/report").get("/api/v1/rules")
                .then().body("items.name", contains(team + "-r0", team + "-r2", team + "-r4"));
        as(TestTokens.reader()).queryParam("downstream", "main/" + team + "-even/report")
                .queryParam("upstream", "main/" + upstream + "/etl").get("/api/v1/rules")
                .then().body("items.name", contains(team + "-r0", team + "-r2"));
        as(TestTokens.admin()).body(Map.of("enabled", false)).patch("/api/v1/rules/" + team + "-r1")
                .then().statusCode(200);
        as(TestTokens.reader()).queryParam("team", team).queryParam("enabled", "false").get("/api/v1/rules")
                .then().body("items.name", contains(team + "-r1"));

        as(TestTokens.reader()).queryParam("size", 0).get("/api/v1/rules").then().statusCode(400)
                .body("errors[0].field", equalTo("size"));
        as(TestTokens.reader()).queryParam("size", 100000).get("/api/v1/rules").then().statusCode(400);
        as(TestTokens.reader()).queryParam("page", "abc").get("/api/v1/rules").then().statusCode(400)
                .body("errors[0].field", equalTo("page"));
        as(TestTokens.reader()).queryParam("enabled", "yes").get("/api/v1/rules").then().statusCode(400)
                .body("errors[0].field", equalTo("enabled"));
    }

    @Test
    void historyRecordsWhoChangedWhatAndOutlivesTheRule() {
        String name = RuleBodies.unique("audit");
        Map<String, Object> rule = RuleBodies.rule(name, "bi", "game", "bi");
        as(TestTokens.writer("bi")).body(rule).post("/api/v1/rules").then().statusCode(201);
        rule.put("window", "PT6H");
        as(TestTokens.admin()).body(rule).put("/api/v1/rules/" + name).then().statusCode(200);
        as(TestTokens.writer("bi")).body(Map.of("enabled", false)).patch("/api/v1/rules/" + name)
                .then().statusCode(200);
        as(TestTokens.writer("bi")).delete("/api/v1/rules/" + name).then().statusCode(204);

        as(TestTokens.reader()).get("/api/v1/rules/" + name + "/history").then().statusCode(200)
                .body("total", is(4))
                .body("items.action", contains("delete", "disable", "replace", "create"))
                .body("items.actor", contains("bi-writer", "bi-writer", "platform-admin", "bi-writer"))
                .body("items[3].before", nullValue())
                .body("items[3].after.window", equalTo("PT24H"))
                .body("items[2].before.window", equalTo("PT24H"))
                .body("items[2].after.window", equalTo("PT6H"))
                .body("items[1].after.enabled", is(false))
                .body("items[0].before.enabled", is(false))
                .body("items[0].after", nullValue())
                .body("items[0].at", notNullValue());
        as(TestTokens.reader()).queryParam("size", 1).queryParam("page", 3)
                .get("/api/v1/rules/" + name + "/history").then()
                .body("items.action", contains("create"));
        as(TestTokens.reader()).get("/api/v1/rules/never-existed/history").then().statusCode(404);
    }

    @Test
    void theDocumentedExamplesAreValidRules() {
        for (String example : List.of(RuleExamples.BI_DAILY_REPORT, RuleExamples.RESUME_FAILED)) {
            as(TestTokens.reader()).body(example).post("/api/v1/rules:validate").then().statusCode(200);
        }
        as(TestTokens.reader()).body(RuleExamples.BI_DAILY_REPORT).post("/api/v1/rules:validate").then()
                .body("upstreams.id", contains("game-load", "eikaiwa-load"))
                .body("correlation.zone", equalTo("Asia/Tokyo"))
                .body("deadline.time", equalTo("07:00"));
        as(TestTokens.reader()).body(RuleExamples.RESUME_FAILED).post("/api/v1/rules:validate").then()
                .body("action.ifFailed", equalTo("resume_failed"))
                .body("upstreams[0].id", equalTo("game-etl"));
    }

    @Test
    void validateIsADryRun() {
        String name = RuleBodies.unique("dry");
        as(TestTokens.reader()).body(RuleBodies.rule(name, "bi", "game", "bi")).post("/api/v1/rules:validate")
                .then().statusCode(200).body("name", equalTo(name)).body("window", equalTo("PT24H"));
        as(TestTokens.reader()).get("/api/v1/rules/" + name).then().statusCode(404);
        Map<String, Object> bad = RuleBodies.rule(name, "bi", "game", "bi");
        bad.put("upstreams", List.of());
        as(TestTokens.reader()).body(bad).post("/api/v1/rules:validate").then().statusCode(400)
                .body("errors[0].field", equalTo("upstreams"));
    }
}
