package io.baton.watch;

import io.baton.digdag.DigdagApiContract;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.EmulatorOptions;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * A second Digdag server, {@code solo}, played by an emulator of its own, so that its call counts and its restart
 * touch no other test; every task list is read, and attempts idle after 2 s (polled every 4 s then).
 */
public class SoloServerProfile implements QuarkusTestProfile {

    public static final String SERVER = "solo";

    private static DigdagEmulator emulator;

    /** The emulator behind {@link #SERVER}, started on first use and checked against the API contract. */
    public static synchronized DigdagEmulator emulator() {
        if (emulator == null) {
            emulator = DigdagEmulator.start(EmulatorOptions.defaults().withCheck(DigdagApiContract.shared()));
        }
        return emulator;
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "baton.digdag.servers." + SERVER + ".url", emulator().url(),
                "baton.watch.task-fetch", "all",
                "baton.watch.lease", "1s",
                "baton.watch.idle-after", "2s",
                "baton.watch.idle-interval", "4s");
    }
}
