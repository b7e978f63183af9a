package io.baton.backtest;

import io.baton.problem.ProblemException;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** A range of downstream session dates given as {@code from} and {@code to} (both included), checked as input. */
public record SessionDates(LocalDate from, LocalDate to) {

    /**
     * @param maxDays the most dates the range may hold
     * @param what    what covers the range, for the problem's message ("a backtest")
     * @throws ProblemException 400 naming {@code from} or {@code to}
     */
    public static SessionDates of(String from, String to, int maxDays, String what) {
        LocalDate first = date("from", from);
        LocalDate last = date("to", to);
        if (last.isBefore(first)) {
            throw ProblemException.invalid("to", "must not be before from");
        }
        if (ChronoUnit.DAYS.between(first, last) + 1 > maxDays) {
            throw ProblemException.invalid("to", what + " covers at most " + maxDays + " days");
        }
        return new SessionDates(first, last);
    }

    private static LocalDate date(String field, String value) {
        if (value == null) {
            throw ProblemException.invalid(field, "is required: a date such as 2026-11-24");
        }
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid(field, "not a date such as 2026-11-24: " + value);
        }
    }
}
