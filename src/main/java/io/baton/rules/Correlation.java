package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which upstream sessions belong together and which session the downstream gets. The whole vocabulary:
 * <ul>
 * <li>{@code by}: {@code session_time} (same instant) or {@code session_date} (same date in {@code zone});</li>
 * <li>{@code upstreamEvery} (only with {@code session_date}): every upstream must be satisfied for each session of
 * the day at this interval, e.g. {@code PT1H} = 24 hourly sessions;</li>
 * <li>{@code downstreamShift}: added to the downstream session, {@code P1D} (calendar days in {@code zone}) or
 * {@code PT6H} (exact time).</li>
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Correlation(CorrelateBy by, String zone, String upstreamEvery, String downstreamShift) {

    public static final Correlation DEFAULT = new Correlation(CorrelateBy.SESSION_TIME, "UTC", null, null);

    public ZoneId zoneId() {
        return ZoneId.of(zone);
    }

    /** Upstream sessions with the same key belong together: the session instant, or its date in {@code zone}. */
    public String key(OffsetDateTime upstreamSessionTime) {
        return by == CorrelateBy.SESSION_DATE
                ? upstreamSessionTime.atZoneSameInstant(zoneId()).toLocalDate().toString()
                : upstreamSessionTime.toInstant().toString();
    }

    /** The upstream session time ({@code session_time}) or that date's 00:00 in {@code zone}, plus the shift. */
    public OffsetDateTime downstreamSessionTime(OffsetDateTime upstreamSessionTime) {
        ZonedDateTime local = upstreamSessionTime.atZoneSameInstant(zoneId());
        ZonedDateTime base = by == CorrelateBy.SESSION_DATE ? local.toLocalDate().atStartOfDay(zoneId()) : local;
        return shift(base).toOffsetDateTime();
    }

    /** With {@code upstreamEvery}: the session times each upstream must be satisfied for on {@code date}. */
    public Optional<List<OffsetDateTime>> upstreamSessionsOn(LocalDate date) {
        if (upstreamEvery == null) {
            return Optional.empty();
        }
        Duration every = Duration.parse(upstreamEvery);
        ZonedDateTime end = date.plusDays(1).atStartOfDay(zoneId());
        List<OffsetDateTime> sessions = new ArrayList<>();
        for (ZonedDateTime t = date.atStartOfDay(zoneId()); t.isBefore(end); t = t.plus(every)) {
            sessions.add(t.toOffsetDateTime());
        }
        return Optional.of(sessions);
    }

    private ZonedDateTime shift(ZonedDateTime base) {
        if (downstreamShift == null) {
            return base;
        }
        return isTimeBased(downstreamShift) ? base.plus(Duration.parse(downstreamShift))
                : base.plus(Period.parse(downstreamShift));
    }

    /** {@code PT6H} and {@code P1DT2H} are exact durations; {@code P1D}, {@code P1W}, {@code -P1D} calendar periods. */
    static boolean isTimeBased(String shift) {
        return shift.toUpperCase().contains("T");
    }
}
