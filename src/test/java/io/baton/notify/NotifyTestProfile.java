package io.baton.notify;

import io.baton.trigger.SlackStub;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;
import java.util.Set;

/**
 * Slack webhooks and a generic webhook on the local stub, fast sending, grouping and retries, expectations checked
 * every second on the emulator's clock.
 */
public class NotifyTestProfile implements QuarkusTestProfile {

    static final String TEAM_HOOK = "team-alerts";
    static final String BURST_HOOK = "burst-alerts";
    static final String OUTAGE_HOOK = "outage-alerts";
    static final String SLA_HOOK = "sla-alerts";
    static final String OPS_WEBHOOK = "ops";

    @Override
    public Map<String, String> getConfigOverrides() {
        SlackStub slack = SlackStub.get();
        return Map.ofEntries(
                Map.entry("baton.rules.slack-webhooks." + TEAM_HOOK, slack.url(TEAM_HOOK)),
                Map.entry("baton.rules.slack-webhooks." + BURST_HOOK, slack.url(BURST_HOOK)),
                Map.entry("baton.rules.slack-webhooks." + OUTAGE_HOOK, slack.url(OUTAGE_HOOK)),
                Map.entry("baton.rules.slack-webhooks." + SLA_HOOK, slack.url(SLA_HOOK)),
                Map.entry("baton.notify.webhooks." + OPS_WEBHOOK, slack.url(OPS_WEBHOOK)),
                Map.entry("baton.notify.send-interval", "200ms"),
                Map.entry("baton.notify.group-delay", "5s"),
                Map.entry("baton.notify.burst-threshold", "10"),
                Map.entry("baton.notify.backoff", "500ms"),
                Map.entry("baton.notify.max-backoff", "3s"),
                Map.entry("baton.notify.expectation-check-interval", "1s"));
    }

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(EmulatorTimeClock.class);
    }
}
