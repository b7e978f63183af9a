package io.baton.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.BatonTestServices;
import io.baton.KafkaTestConsumer;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClients;
import io.baton.emulator.EmulatorLauncher;
import io.baton.events.EventsConfig;
import io.baton.trigger.TriggerOutcomes.TriggerData;
import io.baton.trigger.TriggerOutcomes;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.baton.KafkaTestConsumer.header;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@TestProfile(DemoTestProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class DemoDriverTest {

    private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");

    @Inject
    DemoDriver driver;

    @Inject
    DigdagClients digdag;

    @Inject
    EventsConfig events;

    @Inject
    ObjectMapper mapper;

    @Inject
    EmulatorLauncher emulators;

    @TestHTTPResource("/")
    URI baton;

    @Test
    void theStoryStartsEachDaysReportOnceAfterBothLoadsAndAlertsWhenEikaiwaMissesTheDeadline() throws Exception {
        List<String> console = new CopyOnWriteArrayList<>();
        DemoSummary summary;
        try (KafkaTestConsumer alerts = new KafkaTestConsumer(events.alertsTopic())) {
            summary = driver.run(baton, console::add);

            List<ConsumerRecord<String, String>> deadlineAlerts = alerts.drain(Duration.ofSeconds(2)).stream()
                    .filter(r -> DemoScenario.RULE.equals(r.key())).toList();
            assertThat(deadlineAlerts).hasSize(1);
            assertThat(header(deadlineAlerts.get(0), "ce_type")).isEqualTo(TriggerOutcomes.DEADLINE_MISSED);
            JsonNode alert = mapper.readTree(deadlineAlerts.get(0).value());
            assertThat(alert.path("correlationKey").asText()).isEqualTo(summary.days().get(1).toString());
            assertThat(alert.path("satisfied")).extracting(JsonNode::asText).containsExactly("game-load");
            assertThat(alert.path("missing")).extracting(JsonNode::asText).containsExactly("eikaiwa-load");
        }
        List<LocalDate> days = summary.days();
        assertThat(days).hasSize(DemoTestProfile.DAYS);
        assertThat(days.get(1)).isEqualTo(days.get(0).plusDays(1));

        // Digdag itself holds exactly one report attempt per day, with the day as its session and parameter.
        List<Attempt> reports = digdag.client("demo").attempts(new AttemptQuery("bi", "daily_report", true, null, 100));
        assertThat(reports).extracting(a -> a.sessionTime().atZoneSameInstant(TOKYO).toLocalDate())
                .containsExactlyInAnyOrderElementsOf(days);
        assertThat(reports).allSatisfy(a -> assertThat(a.params().path("report_date").asText())
                .isEqualTo(a.sessionTime().toLocalDate().toString()));

        assertThat(summary.triggers()).extracting(TriggerData::correlationKey)
                .containsExactlyElementsOf(days.stream().map(LocalDate::toString).toList());
        assertThat(summary.triggers()).extracting(TriggerData::outcome).containsOnly("started");
        assertThat(summary.triggers()).allSatisfy(t -> assertThat(t.latencyMillis()).isNotNull().isNotNegative());
        assertThat(summary.alerts()).hasSize(1);
        // Each ETL reports its five tasks (eikaiwa's +notify_baton too), its root task and its attempt; the report its
        // attempt.
        assertThat(summary.eventsByType()).containsEntry("task.succeeded", 13L * days.size())
                .containsEntry("attempt.succeeded", 3L * days.size());

        // Push mode: eikaiwa notified Baton through the emulator's http> once a day, with its notifier token; game's
        // load fired the first day's report (polled), eikaiwa's the last day's (notified), and the summary says both.
        assertThat(emulators.emulator().orElseThrow().sentRequests()).hasSize(days.size()).allSatisfy(r -> {
            assertThat(r.task()).isEqualTo("+etl+notify_baton");
            assertThat(r.uri()).isEqualTo(baton.resolve("/api/v1/digdag/demo/notifications").toString());
            assertThat(r.headers().get("Authorization")).startsWith("Bearer ");
        });
        assertThat(summary.lastUpstreams()).containsEntry(days.get(0), "game/etl").containsEntry(days.get(1),
                "eikaiwa/etl");
        assertThat(summary.latency(false).getCount()).isEqualTo(1);
        assertThat(summary.latency(true).getCount()).isEqualTo(1);
        assertThat(console).anyMatch(line -> line.contains("task.succeeded") && line.contains("eikaiwa/etl +etl+notify_baton"));
        assertThat(console).anyMatch(line -> line.contains("poll latency") && line.contains("over 1 trigger"));
        assertThat(console).anyMatch(line -> line.contains("push latency") && line.contains("eikaiwa/etl notified Baton"));

        // The console told the story as it happened.
        String first = days.get(0).toString();
        String today = days.get(1).toString();
        assertThat(console).anyMatch(line -> line.contains("PUT /api/v1/rules/bi-daily-report → 201"));
        assertThat(console).anyMatch(line -> line.contains("task.succeeded") && line.contains("game/etl +etl+load"));
        assertThat(console).anyMatch(line -> line.contains("1 of 2 upstreams satisfied for " + first));
        assertThat(console).anyMatch(line -> line.contains("2 of 2 upstreams satisfied for " + today));
        assertThat(console).anyMatch(line -> line.contains("started bi/daily_report for " + today + ": attempt "));
        assertThat(console).anyMatch(line -> line.contains("ALERT") && line.contains(today));
        assertThat(console).anyMatch(line -> line.contains("Console") && line.contains("/console/graph"));
        assertThat(console).anyMatch(line -> line.contains("/q/swagger-ui"));
        assertThat(console).anyMatch(line -> line.contains("/q/metrics"));
        assertThat(console).anyMatch(line -> line.contains("/api/v1/graph?format=mermaid"));
        assertThat(console).anyMatch(line -> line.contains("-->|bi-daily-report|"));
    }
}
