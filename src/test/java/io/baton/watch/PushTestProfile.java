package io.baton.watch;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * Workflows {@code push1/etl} to {@code push5/etl} notify Baton; their task lists are read at an idle pace of 20 s: long
 * enough that the safety net does not read them while a test on a busy machine still expects it not to have read them
 * yet (at 8 s it did, with the machine's load average at 45), short enough for the test of the safety net itself.
 */
public class PushTestProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "baton.watch.task-fetch", "all",
                "baton.watch.idle-interval", "20s",
                "baton.watch.push.workflows", "push1/etl,push2/etl,push3/etl,push4/etl,push5/etl");
    }
}
