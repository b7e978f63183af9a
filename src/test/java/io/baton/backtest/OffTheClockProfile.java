package io.baton.backtest;

import io.baton.digdag.DigdagApiContract;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.EmulatorOptions;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A second Digdag server, {@code clock}, played by an emulator whose time stands still until a test moves it: days
 * of history (schedules at 07:00, upstreams finishing at 05:30) pass in milliseconds, to the second. It starts at
 * tomorrow's midnight, so what it reports is never older than the rules Baton is given now.
 */
public class OffTheClockProfile implements QuarkusTestProfile {

    public static final String SERVER = "clock";
    private static DigdagEmulator emulator;

    public static synchronized DigdagEmulator emulator() {
        if (emulator == null) {
            Instant tomorrow = Instant.now().truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1));
            emulator = DigdagEmulator.start(EmulatorOptions.defaults()
                    .withClock(Clock.fixed(tomorrow, ZoneOffset.UTC)).withCheck(DigdagApiContract.shared()));
        }
        return emulator;
    }

    /** Moves the emulator's clock to {@code time}; schedules and due tasks act on the way. */
    public static void advanceTo(Instant time) {
        emulator().advanceClock(Duration.between(emulator().now(), time));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("baton.digdag.servers." + SERVER + ".url", emulator().url());
    }

    /** A rule body: bi/daily_report after game/etl's +etl+load of the same day, on this profile's server. */
    public static Map<String, Object> rule(String game, String bi) {
        Map<String, Object> rule = new HashMap<>();
        rule.put("name", "report-after-load");
        rule.put("team", "bi");
        rule.put("upstreams", new ArrayList<>(List.of(Map.of("digdag", Map.of("server", SERVER,
                "project", game, "workflow", "etl", "task", "+etl+load")))));
        rule.put("correlation", Map.of("by", "session_date", "zone", "UTC"));
        rule.put("action", Map.of("server", SERVER, "project", bi, "workflow", "daily_report"));
        return rule;
    }
}
