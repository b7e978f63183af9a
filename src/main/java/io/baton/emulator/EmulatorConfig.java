package io.baton.emulator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The in-app emulator for the demo: Baton starts a Digdag API emulator at boot when enabled. */
@ConfigMapping(prefix = "baton.emulator")
public interface EmulatorConfig {

    @WithDefault("false")
    boolean enabled();

    @WithDefault("127.0.0.1")
    String host();

    /** Digdag's own default port; 0 for a free one. */
    @WithDefault("65432")
    int port();

    /** How long each task of the automatic drive runs. */
    @WithDefault("2s")
    Duration taskDuration();

    /** Share of tasks that fail at random, between 0 and 1. */
    @WithDefault("0")
    double failureRate();
}
