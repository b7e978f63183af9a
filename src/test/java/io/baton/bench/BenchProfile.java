package io.baton.bench;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.HashMap;
import java.util.Map;

/**
 * Baton as deployed (default watch settings, 1 s interval) against the benchmark's own emulator, which checks no
 * contract (the contract check would dominate the cost being measured), with admission control out of the way.
 */
public class BenchProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "baton.digdag.servers.main.url", BenchEmulators.watched().url(),
                "baton.watch.interval", interval(),
                // Admission control (20 running downstream attempts per server by default) would make the benchmarks
                // measure its queue: held latency needs about 1,000 running at once (167 starts/s, 1-10 s each).
                "baton.trigger.max-running-per-server", "100000",
                "quarkus.log.category.\"io.baton.trigger\".level", "WARN");
    }

    String interval() {
        return "1s";
    }

    /** The same with the push-mode benchmark's upstream workflows notifying Baton. */
    public static class Push extends BenchProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("baton.watch.push.workflows", PushModeBenchmarkTest.NOTIFYING);
            return overrides;
        }
    }

    /** The same at a 5 s poll interval. */
    public static class FiveSeconds extends BenchProfile {
        @Override
        String interval() {
            return "5s";
        }
    }
}
