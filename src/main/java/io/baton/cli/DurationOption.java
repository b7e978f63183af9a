package io.baton.cli;

import io.quarkus.runtime.configuration.DurationConverter;
import picocli.CommandLine.ITypeConverter;

import java.time.Duration;

/** {@code 1h}, {@code 30m}, {@code 45s} or ISO-8601 {@code PT1H}, as Baton's own configuration reads them. */
final class DurationOption implements ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        Duration duration = DurationConverter.parseDuration(value);
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("must be a duration above zero, e.g. 1h, 30m or PT1H");
        }
        return duration;
    }
}
