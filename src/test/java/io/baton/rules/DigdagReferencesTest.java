package io.baton.rules;

import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasItems;

@QuarkusTest
@TestProfile(DigdagReferencesTest.Verifying.class)
@QuarkusTestResource(BatonTestServices.class)
class DigdagReferencesTest {

    public static class Verifying implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.rules.verify-against-digdag", "true");
        }
    }

    @Test
    void projectsAndWorkflowsMustExistOnDigdagAndAnUnreachableDigdagRefusesTheChange() {
        String upstream = RuleBodies.unique("up");
        String downstream = RuleBodies.unique("down");
        BatonTestServices.emulator().project(upstream).workflow("etl", sequence(task("load")));
        BatonTestServices.emulator().project(downstream).workflow("report", sequence(task("build")));

        Map<String, Object> rule = RuleBodies.rule(RuleBodies.unique("verified"), "bi", upstream, downstream);
        given().auth().oauth2(TestTokens.writer("bi")).contentType(ContentType.JSON).body(rule)
                .put("/api/v1/rules/" + rule.get("name")).then().statusCode(201);

        Map<String, Object> missing = RuleBodies.rule(RuleBodies.unique("missing"), "bi", "no-such-project", downstream);
        missing.put("action", Map.of("server", "main", "project", downstream, "workflow", "no_such_workflow"));
        given().auth().oauth2(TestTokens.writer("bi")).contentType(ContentType.JSON).body(missing)
                .put("/api/v1/rules/" + missing.get("name")).then().statusCode(400)
                .body("errors.field", hasItems("upstreams[0].digdag.project", "action.workflow"));

        BatonTestServices.emulator().faults().refuseConnections(Duration.ofSeconds(3));
        try {
            Map<String, Object> other = RuleBodies.rule(RuleBodies.unique("unverifiable"), "bi", upstream, downstream);
            given().auth().oauth2(TestTokens.writer("bi")).contentType(ContentType.JSON).body(other)
                    .put("/api/v1/rules/" + other.get("name")).then().statusCode(503);
            given().auth().oauth2(TestTokens.reader()).get("/api/v1/rules/" + other.get("name")).then().statusCode(404);
        } finally {
            BatonTestServices.emulator().faults().clear();
        }
    }
}
