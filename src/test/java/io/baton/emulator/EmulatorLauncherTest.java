package io.baton.emulator;

import io.baton.BatonTestServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;

import static io.baton.emulator.TaskSpec.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The in-app emulator of the demo starts with Baton and runs tasks by itself. */
@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
@TestProfile(EmulatorLauncherTest.InAppEmulator.class)
class EmulatorLauncherTest {

    public static class InAppEmulator implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.emulator.enabled", "true", "baton.emulator.port", "0",
                    "baton.emulator.task-duration", "50ms");
        }
    }

    @Inject
    EmulatorLauncher launcher;

    @Test
    void startsAtBootOnTheAutomaticDrive() {
        DigdagEmulator emulator = launcher.emulator().orElseThrow();
        emulator.project("in-app").workflow("daily", WorkflowSpec.sequence(task("a"), task("b")));
        String attemptId = emulator.startAttempt("in-app", "daily",
                OffsetDateTime.of(2026, 11, 24, 0, 0, 0, 0, ZoneOffset.UTC), Map.of());

        await().atMost(Duration.ofSeconds(10)).until(() -> emulator.attempt(attemptId).done());
        assertThat(emulator.attempt(attemptId).status()).isEqualTo("success");
    }
}
