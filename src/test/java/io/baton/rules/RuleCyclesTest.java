package io.baton.rules;

import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.baton.rules.RulesApiTest.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
@TestProfile(RulesTestProfile.class)
class RuleCyclesTest {

    private static final String ADMIN = TestTokens.admin();

    private static void create(Map<String, Object> rule) {
        as(ADMIN).body(rule).post("/api/v1/rules").then().statusCode(201);
    }

    @Test
    void aRuleWhoseDownstreamIsItsOwnUpstreamIsRejected() {
        String p = RuleBodies.unique("self");
        Map<String, Object> rule = RuleBodies.chain(p + "-loop", "bi", p, "etl", p, "etl");
        as(ADMIN).body(rule).post("/api/v1/rules").then().statusCode(400)
                .body("errors[0].field", equalTo("action"))
                .body("errors[0].message", equalTo("would close a dependency cycle: main/" + p + "/etl -[" + p
                        + "-loop]-> main/" + p + "/etl"));
    }

    @Test
    void directCycleIsRejectedAndNamed() {
        String p = RuleBodies.unique("direct");
        create(RuleBodies.chain(p + "-a", "bi", p + "-x", "etl", p + "-y", "etl"));
        as(ADMIN).body(RuleBodies.chain(p + "-b", "bi", p + "-y", "etl", p + "-x", "etl")).post("/api/v1/rules")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("action"))
                .body("errors[0].message", equalTo("would close a dependency cycle: main/" + p + "-y/etl -[" + p
                        + "-b]-> main/" + p + "-x/etl -[" + p + "-a]-> main/" + p + "-y/etl"));
        as(TestTokens.reader()).get("/api/v1/rules/" + p + "-b").then().statusCode(404);
    }

    @Test
    void threeStepCycleIsRejectedAlsoThroughTaskConditionsAndDisabledRules() {
        String p = RuleBodies.unique("three");
        create(RuleBodies.chain(p + "-1", "bi", p, "a", p, "b"));
        Map<String, Object> second = RuleBodies.chain(p + "-2", "bi", p, "b", p, "c");
        second.put("upstreams", List.of(RuleBodies.digdag(p, "b", "+b+load")));
        second.put("enabled", false);
        create(second);
        as(ADMIN).body(RuleBodies.chain(p + "-3", "bi", p, "c", p, "a")).post("/api/v1/rules:validate").then()
                .statusCode(400)
                .body("errors[0].message", equalTo("would close a dependency cycle: main/" + p + "/c -[" + p
                        + "-3]-> main/" + p + "/a -[" + p + "-1]-> main/" + p + "/b -[" + p + "-2]-> main/" + p
                        + "/c"));
        // Ending the chain elsewhere is fine.
        create(RuleBodies.chain(p + "-3", "bi", p, "c", p, "d"));
    }

    @Test
    void replacingARuleIntoACycleLeavesItUnchanged() {
        String p = RuleBodies.unique("replace");
        create(RuleBodies.chain(p + "-a", "bi", p, "x", p, "y"));
        Map<String, Object> b = RuleBodies.chain(p + "-b", "bi", p, "y", p, "z");
        create(b);
        as(ADMIN).body(RuleBodies.chain(p + "-b", "bi", p, "y", p, "x")).put("/api/v1/rules/" + p + "-b").then()
                .statusCode(400).body("errors[0].message", containsString("cycle"));
        as(TestTokens.reader()).get("/api/v1/rules/" + p + "-b").then().statusCode(200)
                .body("action.workflow", equalTo("z")).body("version", is(0));
        as(TestTokens.reader()).get("/api/v1/rules/" + p + "-b/history").then().body("total", is(1));
        // Replacing a rule by itself never counts as a cycle with its old definition.
        b.put("description", "same edge, new text");
        as(ADMIN).body(b).put("/api/v1/rules/" + p + "-b").then().statusCode(200).body("version", is(1));
    }

    @Test
    void externalEventsNeverCloseACycle() {
        String p = RuleBodies.unique("event");
        Map<String, Object> rule = RuleBodies.chain(p + "-a", "bi", p, "x", p, "y");
        rule.put("upstreams", List.of(Map.of("event", Map.of("type", "com.example." + p))));
        create(rule);
        Map<String, Object> back = RuleBodies.chain(p + "-b", "bi", p, "y", p, "x");
        create(back);
    }
}
