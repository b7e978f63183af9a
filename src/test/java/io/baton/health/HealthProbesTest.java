package io.baton.health;

import io.baton.BatonTestServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;

/** Issue 15: probes answer within a second whatever is down. Stops the shared Kafka broker for a few seconds. */
@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
class HealthProbesTest {

    @Test
    void readinessAnswersWithinASecondWhileKafkaIsStopped() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'Kafka' }.status", org.hamcrest.Matchers.equalTo("UP"))
                .body("checks.find { it.name == 'PostgreSQL' }.status", org.hamcrest.Matchers.equalTo("UP"));
        BatonTestServices.services("kafka-down");
        try {
            for (String probe : new String[] {"/q/health/ready", "/q/health"}) {
                long start = System.nanoTime();
                Response response = given().get(probe);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                System.out.printf("probe %s answered %d in %d ms while Kafka was stopped%n", probe,
                        response.statusCode(), took.toMillis());
                response.then().statusCode(503).body("checks.findAll { it.status == 'DOWN' }.name", hasItem("Kafka"));
                assertThat(took).isLessThan(Duration.ofSeconds(1));
            }
        } finally {
            BatonTestServices.services("kafka-up");
        }
    }
}
