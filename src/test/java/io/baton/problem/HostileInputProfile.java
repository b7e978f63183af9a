package io.baton.problem;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * Team scopes for the input-boundary tests: Digdag project {@code fuzzgame} belongs to team {@code fuzz},
 * {@code scoped} to {@code game} and {@code platform}; external event types {@code com.example.claimed.*} to
 * {@code sales}.
 */
public class HostileInputProfile implements QuarkusTestProfile {

    public static final String FUZZ_PROJECT = "fuzzgame";
    public static final String SCOPED_PROJECT = "scoped";
    public static final String CLAIMED_TYPES = "com.example.claimed.";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "baton.digdag.project-teams." + FUZZ_PROJECT, "fuzz",
                "baton.digdag.project-teams." + SCOPED_PROJECT, "game,platform",
                "baton.trigger.event-teams.\"" + CLAIMED_TYPES + "*\"", "sales",
                "baton.trigger.backoff", "200ms");
    }
}
