package io.baton.rules;

import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.baton.rules.RulesApiTest.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

/** Conditions and filters in CEL through the REST API: checked when written, stored, and drawn in the graph. */
@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
@TestProfile(RulesTestProfile.class)
class RuleExpressionsApiTest {

    private static final String WRITER = TestTokens.writer("bi");

    /** A rule on the game and eikaiwa loads and an eikaiwa "skipped" event. */
    private static Map<String, Object> rule(String condition) {
        Map<String, Object> rule = RuleBodies.rule(RuleBodies.unique("x"), "bi", "unused", "bi");
        Map<String, Object> game = RuleBodies.digdag("game", "etl", "+etl+load");
        game.put("id", "game-load");
        Map<String, Object> eikaiwa = RuleBodies.digdag("eikaiwa", "etl", "+etl+load");
        eikaiwa.put("id", "eikaiwa-load");
        Map<String, Object> skipped = new HashMap<>(Map.of("id", "eikaiwa-skipped",
                "event", Map.of("type", "com.example.eikaiwa.skipped"), "filter", "data.rows == 0"));
        rule.put("upstreams", List.of(game, eikaiwa, skipped));
        rule.put("condition", condition);
        return rule;
    }

    /** The rule with another filter on its third upstream, the "skipped" event. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> withSkipFilter(String filter) {
        Map<String, Object> rule = rule("game_load");
        List<Map<String, Object>> upstreams = (List<Map<String, Object>>) rule.get("upstreams");
        Map<String, Object> skipped = new HashMap<>(upstreams.get(2));
        skipped.put("filter", filter);
        rule.put("upstreams", List.of(upstreams.get(0), upstreams.get(1), skipped));
        return rule;
    }

    private static ValidatableResponse rejected(Map<String, Object> rule) {
        ValidatableResponse response = as(WRITER).body(rule).post("/api/v1/rules").then().statusCode(400)
                .contentType("application/problem+json");
        as(TestTokens.reader()).get("/api/v1/rules/" + rule.get("name")).then().statusCode(404);
        return response;
    }

    @Test
    void aValidConditionAndFilterAreStoredAsWrittenAndReplaceMatch() {
        Map<String, Object> rule = rule("game_load && (eikaiwa_load || eikaiwa_skipped)");
        rule.put("dependsOnPast", true);
        as(WRITER).body(rule).post("/api/v1/rules").then().statusCode(201)
                .body("condition", equalTo("game_load && (eikaiwa_load || eikaiwa_skipped)"))
                .body("match", nullValue())
                .body("dependsOnPast", equalTo(true))
                .body("upstreams[2].filter", equalTo("data.rows == 0"));
        Map<String, Object> plain = RuleBodies.rule(RuleBodies.unique("x"), "bi", "game", "bi");
        as(WRITER).body(plain).post("/api/v1/rules").then().statusCode(201)
                .body("match", equalTo("all")).body("dependsOnPast", equalTo(false)).body("condition", nullValue());
    }

    @Test
    void theDocumentedExampleIsValid() {
        as(TestTokens.reader()).body(RuleExamples.EXPRESSIONS).post("/api/v1/rules:validate").then().statusCode(200)
                .body("condition", equalTo("game_load && (eikaiwa_load || eikaiwa_skipped)"))
                .body("upstreams[2].filter", equalTo("data.rows == 0"));
    }

    @Test
    void compileErrorsAre400sNamingTheFieldAndThePosition() {
        rejected(rule("game_load && (eikaiwa_load ||")).body("errors", hasSize(1))
                .body("errors[0].field", equalTo("condition"))
                .body("errors[0].message", startsWith("line 1, column 30: "));
        rejected(rule("game_load && bi_load")).body("errors[0].field", equalTo("condition"))
                .body("errors[0].message", equalTo("line 1, column 14: undeclared reference to 'bi_load' (in container '')"));
        rejected(rule("count([game_load, eikaiwa_load, eikaiwa_skipped])")).body("errors[0].field", equalTo("condition"))
                .body("errors[0].message", equalTo("line 1, column 1: must be a boolean expression, not int"));
        Map<String, Object> both = rule("game_load");
        both.put("match", "any");
        rejected(both).body("errors[0].field", equalTo("match"));

        rejected(withSkipFilter("data.rows >")).body("errors[0].field", equalTo("upstreams[2].filter"))
                .body("errors[0].message", startsWith("line 1, column 12: "));
    }

    @Test
    void anExpressionThatWouldBeExpensiveToEvaluateIsRefusedWhenWritten() {
        rejected(withSkipFilter("data.regions.all(a, data.regions.all(b, data.regions.exists(c, a + b == c)))")).body("errors[0].field", equalTo("upstreams[2].filter"))
                .body("errors[0].message", startsWith("line 1, column 17: too expensive"))
                .body("errors[0].message", containsString("the limit is 25,000"));
    }

    @Test
    void theGraphLabelsAnExpressionRulesEdgesWithItsCondition() {
        Map<String, Object> rule = rule("game_load && (eikaiwa_load || eikaiwa_skipped)");
        String name = (String) rule.get("name");
        as(WRITER).body(rule).post("/api/v1/rules").then().statusCode(201);
        as(TestTokens.reader()).get("/api/v1/graph").then().statusCode(200)
                .body("edges.findAll { it.rule == '" + name + "' }.condition",
                        equalTo(List.of("game_load && (eikaiwa_load || eikaiwa_skipped)",
                                "game_load && (eikaiwa_load || eikaiwa_skipped)",
                                "game_load && (eikaiwa_load || eikaiwa_skipped)")))
                .body("edges.find { it.rule == '" + name + "' && it.from.startsWith('event:') }.filter",
                        equalTo("data.rows == 0"));
        String mermaid = as(TestTokens.reader()).queryParam("format", "mermaid").get("/api/v1/graph").then()
                .statusCode(200).extract().asString();
        org.assertj.core.api.Assertions.assertThat(mermaid)
                .contains("-->|" + name + ": game_load && (eikaiwa_load #124;#124; eikaiwa_skipped)| ")
                .contains("-->|" + name + ": game_load && (eikaiwa_load #124;#124; eikaiwa_skipped) [data.rows == 0]| ");
    }
}
