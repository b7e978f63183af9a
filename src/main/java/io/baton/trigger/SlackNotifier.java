package io.baton.trigger;

import io.baton.notify.WebhookPoster;
import io.baton.rules.RulesConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Map;

/** Posts messages to Slack incoming webhooks, named in rules and configured (as secrets) in {@code baton.rules.slack-webhooks}. */
@ApplicationScoped
public class SlackNotifier {

    private static final Logger LOG = Logger.getLogger(SlackNotifier.class);

    @Inject
    RulesConfig rulesConfig;

    @Inject
    TriggerConfig config;

    @Inject
    WebhookPoster poster;

    void send(String webhook, String text) {
        String url = rulesConfig.slackWebhooks().get(webhook);
        if (url == null) {
            LOG.warnf("Slack webhook '%s' is not configured; message dropped", webhook);
            return;
        }
        try {
            int status = poster.post(url, Map.of("text", text), config.slack().timeout());
            if (status >= 300) {
                // The webhook URL is a secret: name it, never print it.
                LOG.warnf("Slack webhook '%s' answered %d", webhook, status);
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warnf("Slack webhook '%s' could not be reached: %s", webhook, e.getClass().getSimpleName());
        }
    }
}
