package io.baton.digdag.client;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The Digdag servers Baton talks to, by name: {@code baton.digdag.servers.<name>.url=http://digdag:65432}.
 * Rules and events name a server by this key.
 */
@ConfigMapping(prefix = "baton.digdag")
public interface DigdagConfig {

    Map<String, Server> servers();

    /**
     * Teams whose writers may start and retry the workflows of a Digdag project, by project name:
     * {@code baton.digdag.project-teams."game"=game,platform}. A project not listed is started and retried by admins
     * only.
     */
    Map<String, List<String>> projectTeams();

    /**
     * Session list pages (100 sessions each, newest first) read to find a session by its time: Digdag has no look-up
     * by session time, so a session older than this many pages of its workflow is reported as not found.
     */
    @WithDefault("10")
    int sessionSearchPages();

    /** Long-polls of {@code GET /api/v1/digdag/{server}/.../wait}. */
    @WithName("wait")
    Wait waits();

    interface Wait {
        /** How long a wait lasts when the request names no {@code timeout}. */
        @WithDefault("5m")
        Duration defaultTimeout();

        /** The longest {@code timeout} a request may ask for. */
        @WithDefault("6h")
        Duration maxTimeout();
    }

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
