package io.baton.bench;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.HashMap;
import java.util.Map;

/**
 * Twenty Digdag servers, {@code s00} to {@code s19}, each its own emulator; the application's own replica does not
 * watch, so the benchmark's three replicas are all alike (default 1 s interval and 2 s lease, as deployed).
 */
public class ManyServersProfile implements QuarkusTestProfile {

    static final int SERVERS = 20;

    static String server(int i) {
        return String.format("s%02d", i);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        for (int i = 0; i < SERVERS; i++) {
            config.put("baton.digdag.servers." + server(i) + ".url", BenchEmulators.several(SERVERS).get(i).url());
        }
        config.put("baton.watch.enabled", "false");
        config.put("quarkus.log.category.\"io.baton.trigger\".level", "WARN");
        return config;
    }
}
