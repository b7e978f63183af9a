package io.baton.watch;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** One attempt list page per cycle and a short idle pace, so attempts beyond the page are quickly due. */
public class WatchPagingProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "baton.watch.task-fetch", "none",
                "baton.watch.max-status-pages", "1",
                "baton.watch.idle-interval", "2s",
                "baton.watch.lease", "1s");
    }
}
