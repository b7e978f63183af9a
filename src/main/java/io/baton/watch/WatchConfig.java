package io.baton.watch;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** How Baton follows Digdag servers. */
@ConfigMapping(prefix = "baton.watch")
public interface WatchConfig {

    /** Whether this replica takes part in watching (a replica that only serves the API may turn it off). */
    @WithDefault("true")
    boolean enabled();

    /** Poll interval. */
    @WithDefault("1s")
    Duration interval();

    /** Which running attempts get their task lists read: all, referenced (by a rule), none. */
    @WithDefault("referenced")
    TaskFetch taskFetch();

    /** An attempt whose tasks have not changed for this long is polled every {@link #idleInterval()} instead. */
    @WithDefault("1m")
    Duration idleAfter();

    @WithDefault("10s")
    Duration idleInterval();

    /** How far back a restart (or a back-fill) reports completions it missed. */
    @WithDefault("PT48H")
    Duration lookBack();

    /** On the very first start against a server, report attempts of the look-back period instead of starting from now. */
    @WithDefault("false")
    boolean backfill();

    /** Attempt list pages read per cycle to refresh the status of followed attempts (new attempts are always read). */
    @WithDefault("3")
    int maxStatusPages();

    /**
     * How long a replica's claim to poll a server, and its heartbeat, last without renewal; other replicas take over
     * its servers after it. Renewed four times per {@link #interval()}; by default one and a half intervals, so a
     * dead replica's servers are taken over within two intervals and a heartbeat may come an interval late.
     */
    Optional<Duration> lease();

    /** Servers one replica polls at the same time, one thread each; more wait for a free thread. */
    @WithDefault("16")
    int workers();

    /**
     * This replica's name in the lease rows, the readiness check and the {@code replica} tag of the metrics; by
     * default the host name (the pod name on Kubernetes) and a random suffix, new at every start.
     */
    Optional<String> replicaId();

    Push push();

    /** Workflows that notify Baton themselves ({@code POST /api/v1/digdag/{server}/notifications}). */
    interface Push {
        /**
         * {@code project/workflow} names (on every server) whose task lists are read only every
         * {@link #safetyNetInterval()} and when the attempt ends, as a safety net for a lost notification.
         */
        Optional<Set<String>> workflows();

        /**
         * How often the task list of a running attempt of a notifying workflow is read. Long by default: a
         * notification is lost in the main only when Baton cannot be reached, and then the notifier task fails and
         * ends the attempt, whose task list is read at once; the pace covers a notifier that fails without ending it.
         */
        @WithDefault("10m")
        Duration safetyNetInterval();
    }

    enum TaskFetch { all, referenced, none }
}
