package io.baton.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Posts JSON to a Slack incoming webhook or any other webhook: the one HTTP sender of Baton's messages (rules' Slack
 * notes through {@code SlackNotifier}, subscriptions through the delivery queue). Webhook URLs are secrets: callers
 * log the webhook's name, never its URL.
 */
@ApplicationScoped
public class WebhookPoster {

    @Inject
    ObjectMapper mapper;

    @Inject
    MeterRegistry registry;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @return the HTTP status; counted in {@code baton_slack_messages_total{status}}
     * @throws IOException when the webhook cannot be reached (counted as status {@code error})
     */
    public int post(String url, Object payload, Duration timeout) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(payload)))
                .build();
        try {
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            registry.counter("baton.slack.messages", "status", String.valueOf(status)).increment();
            return status;
        } catch (IOException e) {
            registry.counter("baton.slack.messages", "status", "error").increment();
            throw e;
        }
    }
}
