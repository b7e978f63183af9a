package io.baton.emulator;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * The {@code schedule:} of an emulated workflow, as in a .dig file: {@code daily>: 07:00:00} (session at the start
 * of the day, run at 07:00), {@code hourly>: 10:00} (session at the top of the hour, run ten minutes later) or
 * {@code cron>: '*}{@code /5 * * * *'} (session and run at the same instant). Times are in the workflow's zone.
 */
public record ScheduleSpec(String operator, String value) {

    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    public ScheduleSpec {
        switch (operator) {
            case "daily>" -> LocalTime.parse(value);
            case "hourly>" -> LocalTime.parse("00:" + value);
            case "cron>" -> CRON.parse(value).validate();
            default -> throw new IllegalArgumentException("daily>, hourly> or cron>, not " + operator);
        }
    }

    public static ScheduleSpec daily(String time) {
        return new ScheduleSpec("daily>", time);
    }

    public static ScheduleSpec hourly(String minuteAndSecond) {
        return new ScheduleSpec("hourly>", minuteAndSecond);
    }

    public static ScheduleSpec cron(String expression) {
        return new ScheduleSpec("cron>", expression);
    }

    /** When the session starts. */
    Instant runTime(ZonedDateTime session) {
        return session.toInstant().plus(delay());
    }

    /** The first session whose run time is at or after {@code time}. */
    ZonedDateTime firstRunningAtOrAfter(Instant time, ZoneId zone) {
        if (operator.equals("cron>")) {
            return cronAfter(ZonedDateTime.ofInstant(time.minusSeconds(1), zone));
        }
        ZonedDateTime session = ZonedDateTime.ofInstant(time.minus(delay()), zone).truncatedTo(period());
        return runTime(session).isBefore(time) ? next(session) : session;
    }

    ZonedDateTime next(ZonedDateTime session) {
        return operator.equals("cron>") ? cronAfter(session) : session.plus(1, period());
    }

    ZonedDateTime previous(ZonedDateTime session) {
        return operator.equals("cron>")
                ? ExecutionTime.forCron(CRON.parse(value)).lastExecution(session).orElseThrow()
                : session.minus(1, period());
    }

    private ZonedDateTime cronAfter(ZonedDateTime time) {
        return ExecutionTime.forCron(CRON.parse(value)).nextExecution(time).orElseThrow(() ->
                new IllegalStateException("cron> '" + value + "' never runs after " + time));
    }

    private ChronoUnit period() {
        return operator.equals("daily>") ? ChronoUnit.DAYS : ChronoUnit.HOURS;
    }

    private Duration delay() {
        return switch (operator) {
            case "daily>" -> Duration.ofSeconds(LocalTime.parse(value).toSecondOfDay());
            case "hourly>" -> Duration.ofSeconds(LocalTime.parse("00:" + value).toSecondOfDay());
            default -> Duration.ZERO;
        };
    }
}
