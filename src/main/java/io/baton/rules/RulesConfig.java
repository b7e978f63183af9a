package io.baton.rules;

import io.baton.problem.QueryParams;
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

    /** Items per page of a list (rules, a rule's history, a rule's runs) when the request names no size. */
    @WithDefault("50")
    int defaultPageSize();

    /** The largest page a client may ask for. */
    @WithDefault("500")
    int maxPageSize();

    /** The {@code page} parameter of a list, from 0; anything else is a 400 naming it. */
    default int page(String page) {
        return QueryParams.integer("page", page, 0, 0, Integer.MAX_VALUE / maxPageSize());
    }

    /** The {@code size} parameter of a list, from 1 to {@link #maxPageSize()}; anything else is a 400 naming it. */
    default int size(String size) {
        return QueryParams.integer("size", size, defaultPageSize(), 1, maxPageSize());
    }

    /** Whether the projects and workflows a rule names must exist on their Digdag servers when it is written. */
    @WithDefault("false")
    boolean verifyAgainstDigdag();

    /** The most upstream conditions one rule may have. */
    @WithDefault("50")
    int maxUpstreams();
}
