package io.baton.rules;

import java.time.LocalTime;
import java.time.ZoneId;

/** The local time ({@code HH:mm}, or {@code HH:mm:ss}) in {@code zone} by which the rule should have fired for a session's day. */
public record Deadline(String time, String zone) {

    public LocalTime localTime() {
        return LocalTime.parse(time);
    }

    public ZoneId zoneId() {
        return ZoneId.of(zone);
    }
}
