package io.baton.backfill;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Backfills of a rule over a date range (Digdag's history is read at the backtest's pace). */
@ConfigMapping(prefix = "baton.backfill")
public interface BackfillConfig {

    /** The most downstream sessions (and days) one backfill may cover. */
    @WithDefault("366")
    int maxSessions();

    /** Backfills planned at once by one replica (each reads Digdag's history); more wait their turn. */
    @WithDefault("2")
    int planners();

    /**
     * How long a replica's hold on a backfill it plans lasts unless renewed; a backfill still planning after its
     * lease ran out (its replica died) is planned again by any replica.
     */
    @WithDefault("1m")
    Duration planningLease();

    /**
     * How often a replica renews the leases of the backfills it plans and takes over those whose lease ran out
     * (read by the scheduler as {@code ${baton.backfill.planning-check}}).
     */
    @WithDefault("10s")
    Duration planningCheck();
}
