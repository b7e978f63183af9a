package io.baton.backfill;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.TestTokens;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Rules on the {@link PastServerProfile} server and their backfills, over Baton's REST API. */
public final class BackfillApi {

    private BackfillApi() {
    }

    /** A rule of team bi: when {@code game}/etl has succeeded for a date, start {@code bi}/report for it. */
    public static String createRule(String name, String game, String bi) {
        return createRule(name, game, bi, "ignore");
    }

    /** {@link #createRule(String, String, String)} with the rule's {@code onUpstreamRerun}. */
    public static String createRule(String name, String game, String bi, String onUpstreamRerun) {
        Map<String, Object> rule = new HashMap<>();
        rule.put("onUpstreamRerun", onUpstreamRerun);
        rule.put("name", name);
        rule.put("team", "bi");
        rule.put("upstreams", List.of(Map.of("digdag", Map.of("server", PastServerProfile.SERVER, "project", game,
                "workflow", "etl"))));
        rule.put("correlation", Map.of("by", "session_date", "zone", "UTC"));
        rule.put("action", Map.of("server", PastServerProfile.SERVER, "project", bi, "workflow", "report"));
        as(TestTokens.writer("bi")).body(rule).put("/api/v1/rules/" + name).then().statusCode(201);
        return name;
    }

    /** Asks for a backfill as a writer of team bi; checks the 202 and its Location. */
    public static long backfill(String rule, String from, String to, boolean dryRun) {
        var response = as(TestTokens.writer("bi")).body(Map.of("from", from, "to", to, "dryRun", dryRun))
                .post("/api/v1/rules/" + rule + ":backfill").then().statusCode(202).extract();
        long id = response.jsonPath().getLong("id");
        assertThat(response.header("Location")).endsWith("/api/v1/rules/" + rule + "/backfills/" + id);
        return id;
    }

    public static JsonNode get(String rule, long id) {
        return as(TestTokens.reader()).get("/api/v1/rules/" + rule + "/backfills/" + id).then().statusCode(200)
                .extract().as(JsonNode.class);
    }

    /** Waits until the backfill is neither planning nor starting, and checks the state it ended in. */
    public static JsonNode finished(String rule, long id, String state) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .until(() -> !get(rule, id).path("state").asText().matches("planning|starting"));
        JsonNode backfill = get(rule, id);
        assertThat(backfill.path("state").asText()).as(backfill.toString()).isEqualTo(state);
        return backfill;
    }

    public static RequestSpecification as(String token) {
        return given().urlEncodingEnabled(false).auth().oauth2(token).contentType(ContentType.JSON);
    }

    public static OffsetDateTime midnight(LocalDate day) {
        return day.atStartOfDay().atOffset(ZoneOffset.UTC);
    }

    /** A daily session as Baton writes it. */
    public static String session(LocalDate day) {
        return day + "T00:00:00+00:00";
    }
}
