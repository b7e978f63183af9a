package io.baton.backfill;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Backfills of a rule over a date range (Digdag's history is read at the backtest's pace). */
@ConfigMapping(prefix = "baton.backfill")
public interface BackfillConfig {

    /** The most downstream sessions (and days) one backfill may cover. */
    @WithDefault("366")
    int maxSessions();

    /** Backfills planned at once by one replica (each reads Digdag's history); more wait their turn. */
    @WithDefault("2")
    int planners();
}
