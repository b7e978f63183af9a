package io.baton.events;

import io.baton.BatonTestServices;
import io.baton.KafkaTestConsumer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.baton.KafkaTestConsumer.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static io.restassured.RestAssured.given;

@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
class OutboxRelayTest {

    @Inject
    EventOutbox outbox;

    @Inject
    EventsConfig config;

    @Test
    void outboxRowsArePublishedToKafkaAsCloudEventsOnceAndInOrder() {
        String key = "smoke/" + UUID.randomUUID();
        List<String> ids = List.of("smoke-" + UUID.randomUUID(), "smoke-" + UUID.randomUUID());
        QuarkusTransaction.requiringNew().run(() -> {
            for (int i = 0; i < ids.size(); i++) {
                outbox.append(new BatonEvent(ids.get(i), "io.baton.test.smoke", "urn:baton:test", "smoke/" + i,
                        OffsetDateTime.now(), config.topic(), key, Map.of("n", i)));
            }
        });
        // The same fact reported again is dropped by its deterministic id.
        boolean repeated = QuarkusTransaction.requiringNew().call(() -> outbox.append(new BatonEvent(ids.get(0),
                "io.baton.test.smoke", "urn:baton:test", "smoke/0", OffsetDateTime.now(), config.topic(), key, Map.of("n", 0))));
        assertThat(repeated).isFalse();

        try (KafkaTestConsumer consumer = new KafkaTestConsumer(config.topic())) {
            consumer.awaitRecords(records -> records.stream().filter(r -> key.equals(r.key())).count() >= 2,
                    Duration.ofSeconds(30));
            List<ConsumerRecord<String, String>> mine = consumer.drain(Duration.ofSeconds(1)).stream()
                    .filter(r -> key.equals(r.key())).toList();
            assertThat(mine).extracting(r -> header(r, "ce_id")).containsExactlyElementsOf(ids);
            assertThat(mine).extracting(r -> header(r, "ce_type")).containsOnly("io.baton.test.smoke");
            assertThat(mine).extracting(r -> header(r, "ce_specversion")).containsOnly("1.0");
            assertThat(mine).extracting(ConsumerRecord::value).containsExactly("{\"n\":0}", "{\"n\":1}");
        }
        Long unsent = QuarkusTransaction.requiringNew().call(() -> OutboxEvent.count("sentAt is null and eventId in ?1", ids));
        assertThat(unsent).isZero();
    }

    @Test
    void healthMetricsAndOpenApiAreServed() {
        // A probe may still be DOWN for a moment after start on a loaded machine (each check has its own timeout).
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().when().get("/q/health/ready").then().statusCode(200));
        given().when().get("/q/health/ready").then().statusCode(200)
                .body(containsString("\"PostgreSQL\""))
                .body(containsString("\"Kafka\""))
                .body(containsString("baton-out"));
        given().when().get("/q/health/live").then().statusCode(200);
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("baton_outbox_size"));
        given().when().get("/q/openapi").then().statusCode(200).body(containsString("openapi"));
    }
}
