package io.baton.trigger;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** A Slack webhook that points at a local stub, and deadlines held-back runs and waiting reruns checked every second. */
public class TriggerTestProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "baton.rules.slack-webhooks.bi-alerts", SlackStub.get().url(),
                "baton.trigger.deadline-check-interval", "1s",
                "baton.trigger.backoff", "200ms",
                "baton.trigger.past-session-recheck", "1s",
                "baton.trigger.rerun-recheck", "1s");
    }
}
