package io.baton.bench;

import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.baton.console.ConsoleService;
import io.baton.rules.Rule;
import io.baton.rules.Upstream;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's Today page for 200 rules of 5 upstreams each, with a realistic day: most upstreams done, a quarter
 * of the rules fired. Time is measured per request from the client (HTTP, authentication, the three queries and
 * rendering the HTML).
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class ConsoleBenchmarkTest extends BenchBase {

    @Inject
    ConsoleService console;

    @TestHTTPResource("/")
    URL base;

    private static final int RULES = 200;
    private static final int UPSTREAMS = 5;
    private static final LocalDate DAY = LocalDate.of(2026, 1, 1);

    @Test
    void todayRendersTwoHundredRulesOfFiveUpstreams() throws Exception {
        List<Map<String, Object>> bodies = new ArrayList<>();
        for (int r = 0; r < RULES; r++) {
            List<Map<String, Object>> upstreams = new ArrayList<>();
            for (int u = 0; u < UPSTREAMS; u++) {
                upstreams.add(BenchRules.digdag("team" + ((r + u) % 20), "etl" + ((r * UPSTREAMS + u) % 97), null));
            }
            bodies.add(Map.of("name", String.format("console-%03d", r), "team", "team" + (r % 10),
                    "description", "Report " + r + " after its five loads", "upstreams", upstreams,
                    "correlation", Map.of("by", "session_date", "zone", "UTC"),
                    "deadline", Map.of("time", "07:00", "zone", "UTC"),
                    "action", Map.of("server", "main", "project", "reports", "workflow", "report" + r)));
        }
        rules.replaceAll(bodies);
        recordTheDay(index.rules());

        String token = TestTokens.reader();
        String page = given().auth().oauth2(token).get("/?date=" + DAY).then().statusCode(200).extract().asString();
        assertThat(page).contains("console-199").contains("fired at").contains("waiting 4 of 5");
        // A plain JDK client: REST Assured's own cost per call would be counted otherwise.
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "?date=" + DAY))
                .header("Authorization", "Bearer " + token).build();
        for (int i = 0; i < 30; i++) {
            assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
        List<Duration> times = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            times.add(Duration.ofNanos(System.nanoTime() - start));
            assertThat(response.statusCode()).isEqualTo(200);
        }
        times.sort(null);
        List<Duration> reads = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long start = System.nanoTime();
            console.today(DAY, null);
            reads.add(Duration.ofNanos(System.nanoTime() - start));
        }
        reads.sort(null);
        String figure = String.format(Locale.ROOT, "p50 %d ms, p95 %d ms, max %d ms (%d kB); reading the day alone "
                        + "p50 %d ms", times.get(49).toMillis(), times.get(94).toMillis(), times.get(99).toMillis(),
                page.length() / 1024, reads.get(49).toMillis());
        BenchReport.publish("7-console-today",
                List.of(new BenchReport.Row("7. Console Today, 200 rules × 5 upstreams", figure, "< 300 ms",
                        times.get(94).toMillis() < 300)),
                """
                #### 7. Console: the Today page

                `GET /?date=2026-01-01` with a bearer token, 100 times after 30 warm-ups, for 200 rules of 5 Digdag
                upstreams each (session-date correlation, a deadline): 4 of 5 upstreams of every rule satisfied and a
                quarter of the rules fired, so each row shows every state. The time is a JDK HTTP client's, per request;
                "reading the day alone" is `ConsoleService.today` in-process (the queries and the rows, no HTML).

                """ + figure + "\n");
    }

    /** Satisfies 4 of 5 upstreams of every rule for the day and fires every fourth rule. */
    private void recordTheDay(List<Rule> all) throws SQLException {
        Timestamp finished = Timestamp.from(DAY.atTime(5, 0).toInstant(java.time.ZoneOffset.UTC));
        try (Connection connection = dataSource.getConnection();
             PreparedStatement condition = connection.prepareStatement("INSERT INTO trigger_condition (rule_name, "
                     + "correlation_key, upstream_id, upstream_session, session_time, session_time_offset, event_id, "
                     + "attempt_id, finished_at) VALUES (?, ?, ?, ?::timestamptz, ?::timestamptz, 0, ?, '1', ?)");
             PreparedStatement run = connection.prepareStatement("INSERT INTO trigger_run (rule_name, correlation_key, "
                     + "downstream_session, downstream_session_offset, state, upstream_finished_at, started_at, "
                     + "attempt_id, attempt_url) VALUES (?, ?, ?::timestamptz, 0, 'started', ?, ?, '42', "
                     + "'http://digdag/attempts/42')")) {
            for (int r = 0; r < all.size(); r++) {
                Rule rule = all.get(r);
                List<Upstream> upstreams = rule.upstreams();
                for (int u = 0; u < upstreams.size() - (r % 4 == 0 ? 0 : 1); u++) {
                    condition.setString(1, rule.name());
                    condition.setString(2, DAY.toString());
                    condition.setString(3, upstreams.get(u).id());
                    condition.setString(4, DAY + "T00:00:00Z");
                    condition.setString(5, DAY + "T00:00:00+00:00");
                    condition.setString(6, rule.name() + "/" + u);
                    condition.setTimestamp(7, finished);
                    condition.addBatch();
                }
                if (r % 4 == 0) {
                    run.setString(1, rule.name());
                    run.setString(2, DAY.toString());
                    run.setString(3, DAY + "T00:00:00+00:00");
                    run.setTimestamp(4, finished);
                    run.setTimestamp(5, Timestamp.from(finished.toInstant().plusMillis(900)));
                    run.addBatch();
                }
            }
            condition.executeBatch();
            run.executeBatch();
        }
    }
}
