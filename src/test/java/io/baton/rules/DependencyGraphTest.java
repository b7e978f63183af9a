package io.baton.rules;

import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.baton.rules.RulesApiTest.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
@TestProfile(RulesTestProfile.class)
class DependencyGraphTest {

    @Test
    void graphShowsWorkflowsTasksEventsAndRulesAsJsonAndMermaid() {
        String p = RuleBodies.unique("g");
        Map<String, Object> report = RuleBodies.rule(p + "-report", "bi", "unused", p + "-bi");
        report.put("upstreams", List.of(RuleBodies.digdag(p + "-game", "etl", "+etl+load"),
                RuleBodies.digdag(p + "-eikaiwa", "etl", null),
                Map.of("event", Map.of("type", "com.example.crm.exported", "subject", p))));
        as(TestTokens.writer("bi")).body(report).post("/api/v1/rules").then().statusCode(201);
        Map<String, Object> downstream = RuleBodies.chain(p + "-mail", "marketing", p + "-bi", "report",
                p + "-mkt", "mail");
        downstream.put("enabled", false);
        as(TestTokens.admin()).body(downstream).post("/api/v1/rules").then().statusCode(201);

        JsonPath graph = as(TestTokens.reader()).get("/api/v1/graph").then().statusCode(200)
                .contentType("application/json").extract().jsonPath();
        String game = "main/" + p + "-game/etl:+etl+load";
        String eikaiwa = "main/" + p + "-eikaiwa/etl";
        String event = "event:com.example.crm.exported:" + p;
        String bi = "main/" + p + "-bi/report";
        String mkt = "main/" + p + "-mkt/mail";
        Map<String, Object> gameNode = graph.getMap("nodes.find { it.id == '" + game + "' }");
        assertThat(gameNode).containsEntry("kind", "task").containsEntry("task", "+etl+load")
                .containsEntry("project", p + "-game");
        assertThat(graph.getString("nodes.find { it.id == '" + eikaiwa + "' }.kind")).isEqualTo("workflow");
        assertThat(graph.getString("nodes.find { it.id == '" + event + "' }.kind")).isEqualTo("event");
        assertThat(graph.getString("nodes.find { it.id == '" + bi + "' }.kind")).isEqualTo("workflow");
        List<Map<String, Object>> edges = graph.getList("edges.findAll { it.rule.startsWith('" + p + "') }");
        assertThat(edges).extracting(e -> e.get("from") + " -> " + e.get("to") + " " + e.get("rule") + " "
                + e.get("team") + " " + e.get("enabled")).containsExactlyInAnyOrder(
                game + " -> " + bi + " " + p + "-report bi true",
                eikaiwa + " -> " + bi + " " + p + "-report bi true",
                event + " -> " + bi + " " + p + "-report bi true",
                bi + " -> " + mkt + " " + p + "-mail marketing false");

        String mermaid = as(TestTokens.reader()).queryParam("format", "mermaid").get("/api/v1/graph").then()
                .statusCode(200).contentType(containsString("text/plain")).extract().asString();
        assertThat(mermaid).startsWith("flowchart LR\n")
                .contains("[\"main/" + p + "-game/etl +etl+load\"]")
                .contains("([\"" + event + "\"])")
                .containsPattern("n\\d+ -->\\|" + p + "-report\\| n\\d+")
                .containsPattern("n\\d+ -\\.->\\|" + p + "-mail\\| n\\d+");

        as(TestTokens.reader()).queryParam("format", "svg").get("/api/v1/graph").then().statusCode(400)
                .body("errors[0].field", equalTo("format"));
    }
}
