package io.baton.backfill;

import io.baton.digdag.DigdagApiContract;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.EmulatorOptions;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * A Digdag server, {@code past}, played by an emulator whose time stands 120 days back until a test moves it: months
 * of history pass in milliseconds, and every upstream finished long before the rules Baton is given now (so the live
 * engine leaves them to backfills). Admission control allows two running attempts per server.
 */
public class PastServerProfile implements QuarkusTestProfile {

    public static final String SERVER = "past";
    public static final int LIMIT = 2;
    private static DigdagEmulator emulator;

    public static synchronized DigdagEmulator emulator() {
        if (emulator == null) {
            Instant past = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(120));
            emulator = DigdagEmulator.start(EmulatorOptions.defaults()
                    .withClock(Clock.fixed(past, ZoneOffset.UTC)).withCheck(DigdagApiContract.shared()));
        }
        return emulator;
    }

    /** Moves the emulator's clock forward to {@code time}. */
    public static void advanceTo(Instant time) {
        emulator().advanceClock(Duration.between(emulator().now(), time));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "baton.digdag.servers." + SERVER + ".url", emulator().url(),
                "baton.trigger.max-running-per-server", String.valueOf(LIMIT),
                "baton.trigger.admission-recheck", "1s",
                "baton.trigger.admission-check-interval", "2s",
                "baton.backtest.max-requests-per-second", "100",
                "baton.backfill.planning-check", "1s");
    }
}
