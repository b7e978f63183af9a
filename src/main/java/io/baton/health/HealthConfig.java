package io.baton.health;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How long each readiness check may take: a probe answers fast, DOWN or UP, whatever is down. */
@ConfigMapping(prefix = "baton.health")
public interface HealthConfig {

    /** A check that has not answered within this is DOWN for this probe. */
    @WithDefault("400ms")
    Duration timeout();
}
