package io.baton.rules;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Map;

@ConfigMapping(prefix = "baton.rules")
public interface RulesConfig {

    /**
     * Slack incoming webhooks by name: {@code baton.rules.slack-webhooks.bi-alerts=https://hooks.slack.com/...}.
     * Rules refer to the name only; the URL is a secret and is never returned or logged.
     */
    Map<String, String> slackWebhooks();

    /** Rules per page of {@code GET /api/v1/rules} when the request names no size. */
    @WithDefault("50")
    int defaultPageSize();

    /** The largest page a client may ask for. */
    @WithDefault("500")
    int maxPageSize();

    /** Whether the projects and workflows a rule names must exist on their Digdag servers when it is written. */
    @WithDefault("false")
    boolean verifyAgainstDigdag();

    /** The most upstream conditions one rule may have. */
    @WithDefault("50")
    int maxUpstreams();
}
