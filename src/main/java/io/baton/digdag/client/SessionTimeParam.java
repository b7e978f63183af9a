package io.baton.digdag.client;

import io.baton.problem.InputLimits;
import io.baton.problem.ProblemException;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.regex.Pattern;

/**
 * A session time as a caller writes it: a date ({@code 2026-11-24}, midnight in the workflow's time zone) or a
 * timestamp with an offset ({@code 2026-11-24T00:00:00+09:00}). Parsed before anything is asked of Digdag; the date
 * needs the workflow's time zone, so it is resolved later by {@link #in(String)}.
 */
public final class SessionTimeParam {

    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    /** What a caller may write, for the REST API's description of a session time parameter. */
    public static final String DOC = "a date (2026-11-24, midnight in the workflow's time zone) or a timestamp with an "
            + "offset (2026-11-24T00:00:00+09:00)";
    static final String FIELD = "sessionTime";

    private final LocalDate date;
    private final OffsetDateTime timestamp;

    private SessionTimeParam(LocalDate date, OffsetDateTime timestamp) {
        this.date = date;
        this.timestamp = timestamp;
    }

    /** @throws ProblemException 400 naming {@code sessionTime} */
    public static SessionTimeParam parse(String raw) {
        return parse(FIELD, raw);
    }

    /** @throws ProblemException 400 naming {@code field}, also for a time outside the years {@link InputLimits} allows */
    public static SessionTimeParam parse(String field, String raw) {
        // A '+' of an offset that went through form decoding arrives as a space.
        String text = raw == null ? "" : raw.strip().replace(' ', '+');
        SessionTimeParam parsed;
        try {
            parsed = DATE.matcher(text).matches() ? new SessionTimeParam(LocalDate.parse(text), null)
                    : new SessionTimeParam(null, SessionTimes.parse(text));
        } catch (DateTimeException e) {
            throw ProblemException.invalid(field, "must be a date (2026-11-24) or a timestamp with an offset "
                    + "(2026-11-24T00:00:00+09:00)");
        }
        if (!InputLimits.inRange(parsed.withDatesIn(ZoneOffset.UTC))) {
            throw ProblemException.invalid(field, InputLimits.outOfRange());
        }
        return parsed;
    }

    /** A timestamp as it was written, a date at its midnight in {@code zone}. */
    public OffsetDateTime withDatesIn(ZoneId zone) {
        return date != null ? date.atStartOfDay(zone).toOffsetDateTime() : timestamp;
    }

    /** The session time in the workflow's time zone, the way Digdag stores it. */
    public OffsetDateTime in(String timezone) {
        ZoneId zone = ZoneId.of(timezone == null || timezone.isBlank() ? "UTC" : timezone);
        return date != null ? date.atStartOfDay(zone).toOffsetDateTime()
                : timestamp.atZoneSameInstant(zone).toOffsetDateTime();
    }
}
