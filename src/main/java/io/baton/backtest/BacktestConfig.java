package io.baton.backtest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Backtests and other reads of Digdag's history. */
@ConfigMapping(prefix = "baton.backtest")
public interface BacktestConfig {

    /** The most requests per second a history read sends to one Digdag server (backtests, the runs' real starts). */
    @WithDefault("5")
    double maxRequestsPerSecond();

    /** The longest date range one backtest may cover. */
    @WithDefault("90")
    int maxDays();
}
