package io.baton.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** {@code GET /rules/{name}/runs} chooses its page in SQL: ranges, pages, failures without a run, bad values. */
@QuarkusTest
@TestProfile(TriggerTestProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class RunsPagingTest {

    private static final LocalDate FIRST = LocalDate.parse("2026-10-01");
    private static final int RUNS = 30;

    private String rule;

    /**
     * A rule with 30 started runs (2026-10-01 to 2026-10-30, each satisfied by its own upstream session, created in
     * that order), one older run without a session (V17 found its text unreadable), and failures without a run: two
     * for 2026-11-05 and one whose correlation key could not be computed (upstream session 2026-11-06).
     */
    @BeforeEach
    void ledger() {
        rule = "runs-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> body = Map.of("team", "bi",
                "upstreams", List.of(Map.of("id", "load", "digdag",
                        Map.of("server", "main", "project", rule, "workflow", "etl", "task", "+etl+load"))),
                "correlation", Map.of("by", "session_date", "zone", "Asia/Tokyo"),
                "action", Map.of("server", "main", "project", rule, "workflow", "report"));
        given().auth().oauth2(TestTokens.writer("bi")).contentType(ContentType.JSON).body(body)
                .put("/api/v1/rules/" + rule).then().statusCode(201);
        QuarkusTransaction.requiringNew().run(() -> {
            // V17 keeps no session for a row whose text no parser read.
            sql("INSERT INTO trigger_run (rule_name, correlation_key, downstream_session, state, created_at) "
                    + "VALUES (?1, '+1000000000-01-01', NULL, 'failed', now() - interval '1 day')", rule);
            for (int i = 0; i < RUNS; i++) {
                String day = FIRST.plusDays(i).toString();
                sql("INSERT INTO trigger_run (rule_name, correlation_key, downstream_session, "
                        + "downstream_session_offset, state, attempt_id, created_at) VALUES (?1, ?2, "
                        + "CAST(?3 AS timestamptz), 32400, 'started', ?4, now() - interval '1 hour' + ?5 * "
                        + "interval '1 second')", rule, day, day + "T00:00:00+09:00", String.valueOf(1000 + i), i);
                sql("INSERT INTO trigger_condition (rule_name, correlation_key, upstream_id, upstream_session, "
                                + "session_time, session_time_offset, event_id, attempt_id, finished_at) VALUES (?1, "
                                + "?2, 'load', CAST(?3 AS timestamptz), CAST(?4 AS timestamptz), 32400, ?5, ?6, now())",
                        rule, day, day + "T00:00:00Z", day + "T00:00:00+09:00", "event-" + day,
                        String.valueOf(500 + i));
            }
            sql("INSERT INTO trigger_error (rule_name, correlation_key, upstream_session, event_id, error, failed_at) "
                    + "VALUES (?1, '2026-11-05', '2026-11-05T00:00+09:00', 'bad-1', 'first', now() - interval "
                    + "'2 minutes')", rule);
            sql("INSERT INTO trigger_error (rule_name, correlation_key, upstream_session, event_id, error, failed_at) "
                    + "VALUES (?1, '2026-11-05', '2026-11-05T00:00+09:00', 'bad-2', 'second', now() - interval "
                    + "'1 minute')", rule);
            sql("INSERT INTO trigger_error (rule_name, correlation_key, upstream_session, event_id, error, failed_at) "
                    + "VALUES (?1, NULL, '2026-11-06', 'bad-3', 'no key', now() - interval '3 minutes')", rule);
        });
    }

    @Test
    void pagesGoNewestRunFirstThenFailuresWithoutARun() {
        List<String> keys = new ArrayList<>();
        for (int page = 0; page < 5; page++) {
            JsonNode items = runs("page=" + page + "&size=10");
            items.forEach(item -> keys.add(key(item)));
            assertThat(items).hasSize(List.of(10, 10, 10, 3, 0).get(page));
        }
        List<String> expected = new ArrayList<>();
        for (int i = RUNS - 1; i >= 0; i--) {
            expected.add(FIRST.plusDays(i).toString());
        }
        expected.add("+1000000000-01-01");
        expected.add("2026-11-05");
        expected.add(null);
        assertThat(keys).containsExactlyElementsOf(expected);

        JsonNode first = runs("size=3");
        for (int i = 0; i < 3; i++) {
            String day = FIRST.plusDays(RUNS - 1 - i).toString();
            JsonNode item = first.get(i);
            assertThat(item.path("status").asText()).isEqualTo("started");
            assertThat(item.path("run").path("attemptId").asText()).isEqualTo(String.valueOf(1000 + RUNS - 1 - i));
            assertThat(item.path("satisfied")).singleElement()
                    .satisfies(s -> assertThat(s.path("eventId").asText()).isEqualTo("event-" + day));
            assertThat(item.path("missing")).isEmpty();
        }

        JsonNode failures = runs("page=2&size=11");
        JsonNode failed = failures.get(failures.size() - 2);
        assertThat(failed.path("status").asText()).isEqualTo("evaluation_failed");
        assertThat(failed.path("errors")).extracting(e -> e.path("eventId").asText()).containsExactly("bad-2", "bad-1");
        assertThat(failures.get(failures.size() - 1).path("errors")).extracting(e -> e.path("eventId").asText())
                .containsExactly("bad-3");
    }

    @Test
    void aRangeSelectsDownstreamSessionsAndUpstreamSessionsOfFailures() {
        JsonNode tenDays = runs("from=2026-10-10&to=2026-10-20&size=50");
        assertThat(tenDays).extracting(item -> item.path("correlationKey").asText())
                .containsExactly("2026-10-19", "2026-10-18", "2026-10-17", "2026-10-16", "2026-10-15", "2026-10-14",
                        "2026-10-13", "2026-10-12", "2026-10-11", "2026-10-10");
        assertThat(runs("from=2026-10-10&to=2026-10-20&page=1&size=4"))
                .extracting(item -> item.path("correlationKey").asText())
                .containsExactly("2026-10-15", "2026-10-14", "2026-10-13", "2026-10-12");
        // Timestamps name the same instants as dates at 00:00 Tokyo time.
        assertThat(runs("from=2026-10-09T15:00:00Z&to=2026-10-11T00:00:00%2B09:00")).hasSize(1);

        JsonNode november = runs("from=2026-11-01");
        assertThat(november).extracting(item -> item.path("status").asText())
                .containsExactly("evaluation_failed", "evaluation_failed");
        assertThat(runs("from=2026-11-06")).singleElement()
                .satisfies(item -> assertThat(key(item)).isNull());
        assertThat(runs("to=2026-10-02")).extracting(item -> item.path("correlationKey").asText())
                .containsExactly("2026-10-01");
    }

    @Test
    void badPagingAndRangesAreProblemsNamingTheParameter() {
        rejected("page=-1", "page");
        rejected("page=x", "page");
        rejected("size=0", "size");
        rejected("size=501", "size");
        rejected("from=2026-10-20&to=2026-10-10", "to");
        rejected("from=2026-10-20&to=2026-10-20", "to");
        rejected("from=yesterday", "from");
    }

    /** The entry's correlation key; null (left out of the JSON) when it could not be computed. */
    private static String key(JsonNode entry) {
        return entry.hasNonNull("correlationKey") ? entry.get("correlationKey").asText() : null;
    }

    private JsonNode runs(String query) {
        return given().auth().oauth2(TestTokens.reader()).urlEncodingEnabled(false)
                .get("/api/v1/rules/" + rule + "/runs?" + query).then().statusCode(200).extract().as(JsonNode.class);
    }

    private void rejected(String query, String field) {
        given().auth().oauth2(TestTokens.reader()).urlEncodingEnabled(false)
                .get("/api/v1/rules/" + rule + "/runs?" + query).then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo(field));
    }

    private static void sql(String statement, Object... parameters) {
        var query = Panache.getEntityManager().createNativeQuery(statement);
        for (int i = 0; i < parameters.length; i++) {
            query.setParameter(i + 1, parameters[i]);
        }
        query.executeUpdate();
    }
}
