package io.baton.console;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The web console served at {@code /}: who may look, the session cookie, and how much it shows. */
@ConfigMapping(prefix = "baton.console")
public interface ConsoleConfig {

    /** Whether the console shows rules and events without signing in (the demo); acting always needs a token. */
    @WithDefault("false")
    boolean anonymousRead();

    /** Name of the HttpOnly, SameSite=Strict cookie that carries the signed-in browser's bearer token. */
    @WithDefault("baton_session")
    String sessionCookie();

    /** Marks the session cookie Secure (HTTPS only); set it wherever the console is served over HTTPS. */
    @WithDefault("false")
    boolean secureCookie();

    /** Sessions a rule page shows in its timeline. */
    @WithDefault("30")
    int timelineSessions();

    /** Events the events page shows before live ones arrive. */
    @WithDefault("100")
    int recentEvents();

    /**
     * The trigger engine records a completion while the console hears of it (both read the same topic), so rows a
     * completion touches are refreshed once more after this delay.
     */
    @WithDefault("2s")
    Duration settleDelay();
}
