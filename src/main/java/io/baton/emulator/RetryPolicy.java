package io.baton.emulator;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Optional;

/**
 * A task's {@code _retry}: a number ({@code _retry: 2}, retried at once) or {@code {limit, interval, interval_type}}
 * with the interval in seconds, {@code constant} (the default) or {@code exponential} (doubling each retry).
 */
record RetryPolicy(int limit, Duration interval, boolean exponential) {

    static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, false);

    static RetryPolicy of(JsonNode retry) {
        if (retry == null || retry.isNull()) {
            return NONE;
        }
        if (retry.isObject()) {
            return new RetryPolicy(retry.path("limit").asInt(0), Duration.ofSeconds(retry.path("interval").asLong(0)),
                    "exponential".equals(retry.path("interval_type").asText()));
        }
        return new RetryPolicy(retry.asInt(0), Duration.ZERO, false);
    }

    /** How long to wait before retry number {@code retriesSoFar + 1}; empty when the limit is reached. */
    Optional<Duration> waitBeforeRetry(int retriesSoFar) {
        if (retriesSoFar >= limit) {
            return Optional.empty();
        }
        return Optional.of(exponential ? interval.multipliedBy(1L << retriesSoFar) : interval);
    }
}
