package io.baton.rules;

import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.baton.rules.RulesApiTest.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
@TestProfile(RulesTestProfile.class)
class RuleChangeNotificationTest {

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @Inject
    RulesChangedRecorder recorder;

    @Inject
    RuleService rules;

    @Test
    void everyCommittedChangeIsNotifiedToAllReplicasAndFiredLocally() throws Exception {
        String name = RuleBodies.unique("notify");
        try (Connection listener = DriverManager.getConnection(jdbcUrl, "baton", "baton")) {
            try (Statement statement = listener.createStatement()) {
                statement.execute("LISTEN " + RulesChanged.CHANNEL);
            }
            List<String> notified = new CopyOnWriteArrayList<>();

            Map<String, Object> rule = RuleBodies.rule(name, "bi", "game", "bi");
            as(TestTokens.writer("bi")).body(rule).post("/api/v1/rules").then().statusCode(201);
            as(TestTokens.writer("bi")).body(Map.of("enabled", false)).patch("/api/v1/rules/" + name)
                    .then().statusCode(200);
            // Rejected and no-op writes announce nothing.
            as(TestTokens.writer("bi")).body(Map.of("enabled", false)).patch("/api/v1/rules/" + name)
                    .then().statusCode(200);
            as(TestTokens.writer("bi")).body(RuleBodies.chain(name, "bi", "bi", "report", "bi", "report"))
                    .put("/api/v1/rules/" + name).then().statusCode(400);
            as(TestTokens.writer("bi")).delete("/api/v1/rules/" + name).then().statusCode(204);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                PGNotification[] received = listener.unwrap(PGConnection.class).getNotifications(200);
                if (received != null) {
                    for (PGNotification notification : received) {
                        if (notification.getName().equals(RulesChanged.CHANNEL)
                                && notification.getParameter().equals(name)) {
                            notified.add(notification.getParameter());
                        }
                    }
                }
                assertThat(notified).hasSize(3);
            });
        }
        assertThat(recorder.committed().stream().filter(name::equals)).hasSize(3);
    }

    @Test
    void enabledRulesAreParsedWithDefaults() {
        String name = RuleBodies.unique("engine");
        Map<String, Object> rule = RuleBodies.rule(name, "bi", "game", "bi");
        rule.put("correlation", Map.of("by", "session_date", "zone", "Asia/Tokyo", "downstreamShift", "P1D"));
        as(TestTokens.writer("bi")).body(rule).post("/api/v1/rules").then().statusCode(201);
        String disabled = RuleBodies.unique("engine-off");
        Map<String, Object> off = RuleBodies.rule(disabled, "bi", "game", "bi");
        off.put("enabled", false);
        as(TestTokens.writer("bi")).body(off).post("/api/v1/rules").then().statusCode(201);

        List<Rule> enabled = rules.enabledRules();
        assertThat(enabled).extracting(Rule::name).contains(name).doesNotContain(disabled);
        Rule parsed = enabled.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
        assertThat(parsed.match()).isEqualTo(Match.ALL);
        assertThat(parsed.windowDuration()).isEqualTo(Duration.ofHours(24));
        assertThat(parsed.upstreams().get(0).digdag().outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(parsed.action().ifFailed()).isEqualTo(IfFailed.NONE);
        assertThat(parsed.correlation().key(OffsetDateTime.parse("2026-11-24T20:00:00+00:00")))
                .isEqualTo("2026-11-25");
        assertThat(parsed.correlation().downstreamSessionTime(
                OffsetDateTime.parse("2026-11-24T20:00:00+00:00")))
                .isEqualTo(OffsetDateTime.parse("2026-11-26T00:00:00+09:00"));
    }
}
