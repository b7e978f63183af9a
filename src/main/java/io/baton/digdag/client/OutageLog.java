package io.baton.digdag.client;

import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * What people reading the log learn about one Digdag server's outages (metrics count every try): a WARN when a call
 * fails after all its tries, the first time and then at most once per interval, and an INFO when the server answers
 * again, with how long it was down. A hang shorter than all the tries leaves that INFO too. Messages name the server
 * and the failure, never a header. Hand-written: a rate limit of one log line needs no library.
 */
final class OutageLog {

    static final Duration WARN_INTERVAL = Duration.ofMinutes(1);

    private static final Logger LOG = Logger.getLogger(OutageLog.class);

    private final String server;
    private final Clock clock;
    /** The first failed try of the current outage, or null while the server answers. */
    private Instant downSince;
    private int failedTries;
    private int failedCalls;
    private Instant lastWarning;
    private int unreportedCalls;

    OutageLog(String server, Clock clock) {
        this.server = server;
        this.clock = clock;
    }

    /** A try met an I/O error, a timeout or a 5xx. */
    synchronized void tryFailed() {
        if (downSince == null) {
            downSince = clock.instant();
            failedTries = 0;
            failedCalls = 0;
        }
        failedTries++;
    }

    /** Every try of a call failed; {@code failure} says how the last one did. */
    synchronized void callFailed(String failure) {
        failedCalls++;
        Instant now = clock.instant();
        if (lastWarning != null && now.isBefore(lastWarning.plus(WARN_INTERVAL))) {
            unreportedCalls++;
            return;
        }
        String unreported = unreportedCalls == 0 ? ""
                : " (" + unreportedCalls + " more failed calls since the last warning)";
        LOG.warnf("Digdag server %s is unreachable, down for %s: %s%s", server, human(since(now)), failure, unreported);
        lastWarning = now;
        unreportedCalls = 0;
    }

    /** A try got an answer below 500: the server is up. */
    synchronized void answered() {
        if (downSince == null) {
            return;
        }
        LOG.infof("Digdag server %s answers again after %s down (%d failed tries, %d failed calls)", server,
                human(since(clock.instant())), failedTries, failedCalls);
        downSince = null;
    }

    private Duration since(Instant now) {
        return Duration.between(downSince == null ? now : downSince, now);
    }

    /** {@code 42.1 s}, {@code 3 min 5 s}. */
    static String human(Duration duration) {
        long seconds = duration.toSeconds();
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
        }
        return seconds / 60 + " min " + seconds % 60 + " s";
    }
}
