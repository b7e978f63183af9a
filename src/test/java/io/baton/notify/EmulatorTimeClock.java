package io.baton.notify;

import io.baton.BatonTestServices;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Expectations checked on the emulator's time, which tests move forward to a schedule's run time and past a due time
 * (selected by {@link NotifyTestProfile}).
 */
@Alternative
@Singleton
public class EmulatorTimeClock extends Clock {

    @Override
    public Instant instant() {
        return BatonTestServices.emulator().now();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the emulator's clock is UTC");
    }
}
