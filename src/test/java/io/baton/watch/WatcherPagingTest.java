package io.baton.watch;

import io.baton.BatonTestServices;
import io.baton.KafkaTestConsumer;
import io.baton.digdag.client.DigdagEndpoint;
import io.baton.emulator.DigdagEmulator;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventsConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.baton.KafkaTestConsumer.header;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@QuarkusTest
@TestProfile(WatchPagingProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class WatcherPagingTest {

    private static final OffsetDateTime SESSION = OffsetDateTime.parse("2026-11-24T00:00:00Z");

    @Inject
    EventsConfig events;

    private final DigdagEmulator emulator = BatonTestServices.emulator();

    @Test
    void followedAttemptsBeyondTheStatusPagesAreRefreshedByReadingFurtherPagesNotOneByOne() {
        String project = "paging-" + UUID.randomUUID().toString().substring(0, 8);
        emulator.project(project).workflow("etl", sequence(task("load")));
        List<String> attempts = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            attempts.add(emulator.startAttempt(project, "etl", SESSION.plusHours(i), Map.of()));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> QuarkusTransaction.requiringNew().call(() ->
                WatchedAttempt.count("project", project)) == attempts.size());
        emulator.resetCounts();

        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            // The oldest attempt lies two pages below the one page read every cycle.
            String oldest = attempts.get(0);
            String succeeded = DigdagCompletion.eventId(BatonTestServices.DIGDAG_SERVER,
                    emulator.attempt(oldest).sessionUuid(), oldest, null, "success");
            emulator.completeAll(oldest);
            consumer.awaitRecords(records -> records.stream().anyMatch(r -> header(r, "ce_id").equals(succeeded)),
                    Duration.ofSeconds(20));
        } finally {
            attempts.forEach(emulator::completeAll);
        }
        assertThat(emulator.requestCount(DigdagEndpoint.ATTEMPT.key())).isZero();
        assertThat(emulator.requestCount(DigdagEndpoint.ATTEMPTS.key())).isPositive();
    }
}
