package io.baton.history;

import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.ServerSettings;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.EmulatorOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.assertj.core.api.Assertions.assertThat;

/** The history reader on the emulator: what it finds, and how fast the emulator sees its requests arrive. */
class DigdagHistoryTest {

    private static final double PER_SECOND = 5;
    private static final OffsetDateTime DAY = OffsetDateTime.of(2026, 11, 1, 0, 0, 0, 0, ZoneOffset.UTC);

    @Test
    void readsSessionsInTheRangeWithTheirFirstAttemptAndPacesItsRequests() {
        List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
        try (DigdagEmulator emulator = DigdagEmulator.start(EmulatorOptions.defaults().withCheck(exchange -> {
            arrivals.add(System.nanoTime());
            return List.of();
        }))) {
            emulator.project("game").workflow("etl", sequence(task("load")));
            List<String> firsts = new ArrayList<>();
            for (int day = 0; day < 12; day++) {
                String attempt = emulator.startAttempt("game", "etl", DAY.plusDays(day), Map.of());
                emulator.failTask(attempt, "+etl+load", "late data");
                firsts.add(attempt);
            }
            String retry = emulator.startAttempt("game", "etl", DAY.plusDays(3), Map.of(), "retry-1");
            emulator.completeAll(retry);
            DigdagHistory history = new DigdagHistory(new DigdagClient("history", ServerSettings.of(emulator.url()),
                    new SimpleMeterRegistry()), PER_SECOND);

            List<SessionHistory> sessions = history.sessions("game", "etl", DAY.plusDays(2).toInstant(),
                    DAY.plusDays(10).toInstant());
            assertThat(sessions).extracting(s -> s.sessionTime().toInstant())
                    .containsExactlyElementsOf(List.of(2, 3, 4, 5, 6, 7, 8, 9).stream()
                            .map(d -> DAY.plusDays(d).toInstant()).toList());
            SessionHistory retried = sessions.get(1);
            assertThat(retried.firstAttemptId()).isEqualTo(firsts.get(3));
            assertThat(retried.last().id()).isEqualTo(retry);
            assertThat(retried.succeededAt()).isNotNull();
            assertThat(sessions.get(0).succeededAt()).as("its only attempt failed").isNull();
            assertThat(history.sessions("nope", "etl", Instant.EPOCH, Instant.now())).isEmpty();
            assertThat(arrivals).hasSize(history.requests()).hasSize(1 + 1 + 1 + 1);

            // Pacing as the emulator sees it, on a warm connection and endpoint: 21 task lists.
            history.tasks(retry);
            arrivals.clear();
            for (int i = 0; i < 21; i++) {
                history.tasks(sessions.get(i % sessions.size()).last().id());
            }
            double seconds = (arrivals.get(arrivals.size() - 1) - arrivals.get(0)) / 1e9;
            double perSecond = (arrivals.size() - 1) / seconds;
            System.out.printf("history pacing at the emulator: %d requests in %.3f s = %.3f requests/s (setting %.1f)%n",
                    arrivals.size(), seconds, perSecond, PER_SECOND);
            assertThat(perSecond).isLessThanOrEqualTo(PER_SECOND);
        }
    }
}
