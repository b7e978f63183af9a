package io.baton.problem;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The bounds every write path checks its input against before anything is stored, so that no value can later fail
 * to be written to PostgreSQL, serialised, parsed again or computed with. JSON bodies get the structural checks
 * (depth, control characters, numbers) from {@link StrictJson} as they are read; path and query parameters from
 * {@link RequestParams}; the checks a field needs beyond those (its column's length, a time's range) are here.
 */
public final class InputLimits {

    /** Object and array nesting of a request body. Stored JSON stays far below Jackson's write limit of 1000. */
    public static final int MAX_JSON_DEPTH = 32;
    /** Characters of one JSON number: more is no business value and may not survive a round trip. */
    public static final int MAX_NUMBER_LENGTH = 40;
    /** Characters of one path or query parameter. */
    public static final int MAX_PARAMETER_LENGTH = 1000;
    /** Characters of a stored free-form JSON value (a rule's params, an event's data), as Baton writes it. */
    public static final int MAX_STORED_JSON = 65_536;
    /** Session times, event times and anything derived from them lie in these years. */
    public static final int MIN_YEAR = 1970;
    public static final int MAX_YEAR = 9999;
    /** Durations and periods (windows, shifts, intervals) are at most this long either way. */
    public static final Duration MAX_SPAN = Duration.ofDays(366);

    private static final Instant EARLIEST = LocalDateTime.of(MIN_YEAR, 1, 1, 0, 0).toInstant(ZoneOffset.UTC);
    private static final Instant AFTER_LATEST = LocalDateTime.of(MAX_YEAR + 1, 1, 1, 0, 0).toInstant(ZoneOffset.UTC);
    private static final LocalDateTime SPAN_REFERENCE = LocalDateTime.of(2000, 1, 1, 0, 0);

    private InputLimits() {
    }

    /**
     * Why a string may not be stored, or null: a control character (multi-line text may hold tabs and line breaks,
     * nothing else) or a lone surrogate, which PostgreSQL cannot store either.
     */
    public static String badCharacters(String value, boolean multiline) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c) && !(multiline && (c == '\t' || c == '\n' || c == '\r'))) {
                return String.format("must not contain control characters (U+%04X at %d)", (int) c, i);
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "must not contain a lone surrogate (at " + i + ")";
            }
        }
        return null;
    }

    /** A single-line text of at most {@code maxLength} characters; false (and an error added) when it is not. */
    public static boolean text(List<FieldError> errors, String field, String value, int maxLength) {
        if (value.length() > maxLength) {
            errors.add(new FieldError(field, "must be at most " + maxLength + " characters"));
            return false;
        }
        String bad = badCharacters(value, false);
        if (bad != null) {
            errors.add(new FieldError(field, bad));
            return false;
        }
        return true;
    }

    /** A time in years {@value #MIN_YEAR} to {@value #MAX_YEAR}, the range every stored time must stay in. */
    public static boolean inRange(OffsetDateTime time) {
        // Compared as instants: converting an extreme time to UTC would itself overflow.
        Instant instant = time.toInstant();
        return !instant.isBefore(EARLIEST) && instant.isBefore(AFTER_LATEST);
    }

    public static void time(List<FieldError> errors, String field, OffsetDateTime time) {
        if (time != null && !inRange(time)) {
            errors.add(new FieldError(field, outOfRange()));
        }
    }

    public static String outOfRange() {
        return "must lie in the years " + MIN_YEAR + " to " + MAX_YEAR;
    }

    /** An ISO-8601 duration within ±{@link #MAX_SPAN}; null (and an error added) when it is not one. */
    public static Duration duration(List<FieldError> errors, String field, String value) {
        try {
            Duration duration = Duration.parse(value);
            if (duration.abs().compareTo(MAX_SPAN) <= 0) {
                return duration;
            }
            errors.add(new FieldError(field, spanMessage()));
        } catch (DateTimeException | ArithmeticException e) {
            errors.add(new FieldError(field, "must be an ISO-8601 duration such as PT12H"));
        }
        return null;
    }

    /** An ISO-8601 period within ±{@link #MAX_SPAN} (its length counted from 2000-01-01). */
    public static Period period(List<FieldError> errors, String field, String value) {
        try {
            Period period = Period.parse(value);
            LocalDateTime shifted = SPAN_REFERENCE.plus(period);
            if (Duration.between(SPAN_REFERENCE, shifted).abs().compareTo(MAX_SPAN) <= 0) {
                return period;
            }
            errors.add(new FieldError(field, spanMessage()));
        } catch (DateTimeException | ArithmeticException e) {
            errors.add(new FieldError(field, "must be an ISO-8601 period such as P1D"));
        }
        return null;
    }

    private static String spanMessage() {
        return "must be at most " + MAX_SPAN.toDays() + " days either way";
    }

    /** A free-form JSON value whose stored form is at most {@link #MAX_STORED_JSON} characters. */
    public static void storedJson(List<FieldError> errors, String field, JsonNode value) {
        if (value != null && value.toString().length() > MAX_STORED_JSON) {
            errors.add(new FieldError(field, "must be at most " + MAX_STORED_JSON + " characters as JSON"));
        }
    }
}
