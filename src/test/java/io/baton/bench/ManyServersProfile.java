package io.baton.bench;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.HashMap;
import java.util.Map;

/**
 * Twenty Digdag servers, each its own emulator: {@code main} (the test services') and {@code s01} to {@code s19}. The
 * application's own replica does not watch, so the benchmark's three replicas are all alike (default 1 s interval and
 * 2 s lease, as deployed).
 */
public class ManyServersProfile implements QuarkusTestProfile {

    static final int SERVERS = 20;

    /** Server {@code i} of 1 to 19 (server 0 is {@code main}). */
    static String server(int i) {
        return String.format("s%02d", i);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        for (int i = 1; i < SERVERS; i++) {
            config.put("baton.digdag.servers." + server(i) + ".url", BenchEmulators.several(SERVERS - 1).get(i - 1).url());
        }
        config.put("baton.watch.enabled", "false");
        config.put("quarkus.log.category.\"io.baton.trigger\".level", "WARN");
        return config;
    }
}
