package io.baton.digdag.client;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Session times as Digdag writes them and as Baton stores and publishes them: ISO-8601 with the numeric offset of the
 * workflow's time zone, never {@code Z} ({@code 2026-11-24T00:00:00+09:00}). The one place that writes and reads
 * them; what a caller may type (a date, any offset) is {@link SessionTimeParam}.
 */
public final class SessionTimes {

    /** The pattern, for {@code @JsonFormat} on Digdag's DTOs. */
    public static final String PATTERN = "yyyy-MM-dd'T'HH:mm:ssxxx";

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern(PATTERN);

    private SessionTimes() {
    }

    public static String format(OffsetDateTime sessionTime) {
        return FORMAT.format(sessionTime);
    }

    /**
     * The session time its text says: whole seconds, the offset in minutes. What Baton stores, so that a stored
     * session is written again as the same text and two times with the same text are the same stored value.
     */
    public static OffsetDateTime asWritten(OffsetDateTime sessionTime) {
        return parse(format(sessionTime));
    }

    /** @throws java.time.format.DateTimeParseException if {@code text} is not a timestamp with an offset */
    public static OffsetDateTime parse(String text) {
        return OffsetDateTime.parse(text);
    }
}
