package io.baton.rules;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Two Digdag servers and one Slack webhook name for rules to refer to. Nothing is called on them. */
public class RulesTestProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "baton.digdag.servers.main.url", "http://127.0.0.1:9",
                "baton.digdag.servers.analytics.url", "http://127.0.0.1:9",
                "baton.rules.slack-webhooks.bi-alerts", "https://hooks.slack.invalid/services/T000/B000/secret",
                "quarkus.http.limits.max-body-size", "64K");
    }
}
