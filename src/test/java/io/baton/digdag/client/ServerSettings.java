package io.baton.digdag.client;

import java.time.Duration;
import java.util.Map;

/** A Digdag server's settings built in a test, for clients with their own timeouts or headers. */
public record ServerSettings(String url, Map<String, String> headers, Duration connectTimeout, Duration readTimeout,
                      int maxAttempts, Duration backoff) implements DigdagConfig.Server {

    public static ServerSettings of(String url) {
        return new ServerSettings(url, Map.of(), Duration.ofSeconds(2), Duration.ofSeconds(10), 3,
                Duration.ofMillis(50));
    }

    public ServerSettings withReadTimeout(Duration readTimeout) {
        return new ServerSettings(url, headers, connectTimeout, readTimeout, maxAttempts, backoff);
    }

    public ServerSettings withMaxAttempts(int maxAttempts) {
        return new ServerSettings(url, headers, connectTimeout, readTimeout, maxAttempts, backoff);
    }

    public ServerSettings withHeaders(Map<String, String> headers) {
        return new ServerSettings(url, headers, connectTimeout, readTimeout, maxAttempts, backoff);
    }
}
