package io.baton.watch;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** This application's own replica does not watch: tests play replicas of their own. */
public class WatchOffProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("baton.watch.enabled", "false");
    }
}
