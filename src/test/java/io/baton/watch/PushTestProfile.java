package io.baton.watch;

import io.baton.trigger.SlackStub;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * Workflows {@code push1/etl} to {@code push6/etl} notify Baton; their safety net reads task lists at a pace long
 * enough that a loaded machine finishes a notification test before it reads, and short enough for a test to await.
 * Subscriptions may post to the Slack stub's hook {@value #ALERTS}.
 */
public class PushTestProfile implements QuarkusTestProfile {

    static final String ALERTS = "push-alerts";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "baton.watch.task-fetch", "all",
                // The idle pace far shorter than the safety net's: a notifying attempt's task list waits for the latter.
                "baton.watch.idle-interval", "2s",
                "baton.watch.push.safety-net-interval", "20s",
                "baton.watch.push.workflows", "push1/etl,push2/etl,push3/etl,push4/etl,push5/etl,push6/etl",
                "baton.rules.slack-webhooks." + ALERTS, SlackStub.get().url(ALERTS),
                "baton.notify.send-interval", "200ms");
    }
}
