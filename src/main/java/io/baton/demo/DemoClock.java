package io.baton.demo;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

import static io.baton.demo.DemoScenario.DAY_SHOWN;
import static io.baton.demo.DemoScenario.DEADLINE;
import static io.baton.demo.DemoScenario.ZONE;
import static io.baton.demo.DemoScenario.scaled;

/**
 * The demo's accelerated clock: day {@code d} (0-based, dated {@code firstDay + d}) shows
 * {@link DemoScenario#DAY_SHOWN} of simulated time from midnight, {@code speed} times faster than the wall clock,
 * starting at {@code start}.
 * Baton itself runs on the wall clock, so the last day is today and its deadline is a real time of day.
 */
record DemoClock(Instant start, LocalDate firstDay, int days, double speed) {

    /** Time to register the rule and settle before the first day starts. */
    private static final Duration LEAD = Duration.ofSeconds(2);

    /** Plans the days so that the last day's deadline falls on a whole wall-clock second (rules take HH:mm:ss). */
    static DemoClock plan(Instant now, int days, double speed) {
        if (days < 1 || speed <= 0) {
            throw new IllegalArgumentException("the demo needs at least one day and a positive speed");
        }
        Duration toDeadline = scaled(DAY_SHOWN, speed).multipliedBy(days - 1L)
                .plus(scaled(Duration.ofSeconds(DEADLINE.toSecondOfDay()), speed));
        Instant deadline = now.plus(LEAD).plus(toDeadline).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        LocalDate lastDay = deadline.atZone(ZONE).toLocalDate();
        return new DemoClock(deadline.minus(toDeadline), lastDay.minusDays(days - 1L), days, speed);
    }

    Duration dayLength() {
        return scaled(DAY_SHOWN, speed);
    }

    /** The wall-clock instant of a simulated time of day. */
    Instant at(int day, LocalTime time) {
        return start.plus(dayLength().multipliedBy(day)).plus(scaled(Duration.ofSeconds(time.toSecondOfDay()), speed));
    }

    /** The day shown at {@code now}: -1 before the first, {@code days - 1} after the last. */
    int day(Instant now) {
        if (now.isBefore(start)) {
            return -1;
        }
        return (int) Math.min(days - 1L, Duration.between(start, now).toNanos() / dayLength().toNanos());
    }

    /** The simulated time of day at {@code now}; past the last day it runs on. */
    LocalTime timeOfDay(Instant now) {
        int day = Math.max(day(now), 0);
        long simulated = Math.round(Duration.between(at(day, LocalTime.MIDNIGHT), now).toNanos() * speed);
        return LocalTime.MIDNIGHT.plusNanos(Math.max(simulated, 0) % Duration.ofDays(1).toNanos());
    }

    LocalDate date(int day) {
        return firstDay.plusDays(day);
    }

    /** When the last day's shown part ends. */
    Instant end() {
        return start.plus(dayLength().multipliedBy(days));
    }

    /** The last day's deadline on the wall clock, in the rule's zone, as the rule takes it. */
    String deadlineWallTime() {
        return DateTimeFormatter.ofPattern("HH:mm:ss").format(LocalTime.ofInstant(at(days - 1, DEADLINE), ZONE));
    }
}
