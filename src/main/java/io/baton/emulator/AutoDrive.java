package io.baton.emulator;

import java.time.Duration;

/**
 * The automatic drive: every running task finishes by itself after {@code taskDuration} (or its own
 * {@link TaskSpec#withDuration}) plus up to {@code jitter}, and fails with probability {@code failureRate}.
 * Time is the emulator's clock, so {@link DigdagEmulator#advanceClock} speeds it up.
 */
public record AutoDrive(Duration taskDuration, Duration jitter, double failureRate, long seed) {

    public AutoDrive {
        if (taskDuration.isNegative() || jitter.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative");
        }
        if (failureRate < 0 || failureRate > 1) {
            throw new IllegalArgumentException("failureRate is between 0 and 1: " + failureRate);
        }
    }

    /** Tasks that take {@code taskDuration} and always succeed. */
    public static AutoDrive tasksTake(Duration taskDuration) {
        return new AutoDrive(taskDuration, Duration.ZERO, 0, 42);
    }

    public AutoDrive withJitter(Duration jitter) {
        return new AutoDrive(taskDuration, jitter, failureRate, seed);
    }

    public AutoDrive withFailureRate(double failureRate) {
        return new AutoDrive(taskDuration, jitter, failureRate, seed);
    }

    public AutoDrive withSeed(long seed) {
        return new AutoDrive(taskDuration, jitter, failureRate, seed);
    }
}
