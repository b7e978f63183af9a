package io.baton.digdag.client;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * Body of {@code POST /api/schedules/{id}/skip}: {@code dryRun} plus either {@code nextTime} (a local date-time in
 * the workflow's zone such as {@code 2026-12-03T07:00:00}, or an instant with {@code Z}) or {@code fromTime} and
 * {@code count}; {@code nextRunTime} replaces the run time of the new next session.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScheduleSkip(String nextTime, Instant fromTime, Integer count, Instant nextRunTime, boolean dryRun) {

    public static ScheduleSkip until(String nextTime, boolean dryRun) {
        return new ScheduleSkip(nextTime, null, null, null, dryRun);
    }

    public static ScheduleSkip runs(Instant fromTime, int count, boolean dryRun) {
        return new ScheduleSkip(null, fromTime, count, null, dryRun);
    }
}
