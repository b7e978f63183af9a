package io.baton.digdag;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;

/**
 * The Digdag servers Baton talks to, by name: {@code baton.digdag.servers.<name>.url=http://digdag:65432}.
 * Rules and events name a server by this key.
 */
@ConfigMapping(prefix = "baton.digdag")
public interface DigdagConfig {

    Map<String, Server> servers();

    interface Server {
        /** Base URL of the server's REST API, without {@code /api}. */
        String url();

        /** Extra request headers, e.g. {@code Authorization} for a proxy in front of Digdag. Never logged. */
        Map<String, String> headers();

        @WithDefault("2s")
        Duration connectTimeout();

        @WithDefault("10s")
        Duration readTimeout();

        /** Tries for a call that fails with an I/O error or a 5xx (never retried: 4xx). */
        @WithDefault("3")
        int maxAttempts();

        /** First backoff between tries; doubles on each further try. */
        @WithDefault("200ms")
        Duration backoff();
    }
}
