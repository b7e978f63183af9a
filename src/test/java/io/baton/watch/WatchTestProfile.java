package io.baton.watch;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Every task list is read, at a short interval so the tests run fast. */
public class WatchTestProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "baton.watch.task-fetch", "all",
                "baton.watch.lease", "1s");
    }
}
