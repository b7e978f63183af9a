package io.baton.watch;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Workflows {@code push1/etl} to {@code push5/etl} notify Baton; their task lists are read at an idle pace long enough
 * that a loaded machine finishes a notification test before the safety net reads. */
public class PushTestProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "baton.watch.task-fetch", "all",
                "baton.watch.idle-interval", "20s",
                "baton.watch.push.workflows", "push1/etl,push2/etl,push3/etl,push4/etl,push5/etl");
    }
}
