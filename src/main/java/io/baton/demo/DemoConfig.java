package io.baton.demo;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** The one-command demo ({@code ./baton demo}): Baton plays the seed's scenario against its in-app emulator. */
@ConfigMapping(prefix = "baton.demo")
public interface DemoConfig {

    /** Runs the demo at boot; needs the in-app emulator ({@code baton.emulator.enabled}). */
    @WithDefault("false")
    boolean enabled();

    /** Simulated days; the last one is today, when the eikaiwa team is late and misses the report's deadline. */
    @WithDefault("2")
    int days();

    /** How much faster the demo's clock runs than the wall clock: 1440 makes a day last a minute. */
    @WithDefault("1440")
    double speed();

    /** The configured Digdag server ({@code baton.digdag.servers.<name>}) that is the in-app emulator. */
    @WithDefault("main")
    String server();

    /** Stops Baton once the story is told; false keeps it running for a look at the API. */
    @WithDefault("true")
    boolean exitWhenDone();

    /** Where to write a read-only bearer token for trying the API by hand (valid 12 hours). */
    Optional<String> tokenFile();
}
