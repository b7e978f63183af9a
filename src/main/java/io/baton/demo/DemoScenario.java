package io.baton.demo;

import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.TaskSpec;

import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.baton.emulator.TaskSpec.parallel;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;

/**
 * The seed's scenario: the game and eikaiwa teams each load a daily ETL, the BI team's daily report needs both loads
 * of the same day and is due at 07:00 (Asia/Tokyo). Eikaiwa starts after game every day and, on the last day, so late
 * that it misses the report's deadline.
 */
final class DemoScenario {

    static final ZoneId ZONE = ZoneId.of("Asia/Tokyo");
    static final String RULE = "bi-daily-report";
    static final String TEAM = "bi";
    static final String GAME = "game";
    static final String EIKAIWA = "eikaiwa";
    static final String BI = "bi";
    static final String ETL = "etl";
    static final String REPORT = "daily_report";
    static final String LOAD_TASK = "+etl+load";
    static final List<String> UPSTREAMS = List.of("game-load", "eikaiwa-load");

    /** The report's deadline: what a cron job would have used as its start time. */
    static final LocalTime DEADLINE = LocalTime.of(7, 0);
    /** The part of each day the demo shows; the quiet rest of the day is skipped. */
    static final Duration DAY_SHOWN = Duration.ofHours(10);

    /** A workflow that Digdag's own schedule starts at {@code at} on the demo's clock. */
    record Start(String project, String workflow, LocalTime at) {
        String name() {
            return project + "/" + workflow;
        }
    }

    private DemoScenario() {
    }

    /** The upstream workflows of a day: eikaiwa's source dump comes late every day, and far too late on the last. */
    static List<Start> starts(boolean lastDay) {
        return List.of(new Start(GAME, ETL, LocalTime.of(1, 0)),
                new Start(EIKAIWA, ETL, lastDay ? LocalTime.of(6, 45) : LocalTime.of(2, 30)));
    }

    /** The three teams' projects on the emulator; task durations are simulated time, run {@code speed} times faster. */
    static void define(DigdagEmulator emulator, double speed) {
        for (String team : List.of(GAME, EIKAIWA)) {
            emulator.project(team).workflow(ETL, ZONE.getId(), sequence(
                    task("extract").withDuration(scaled(Duration.ofMinutes(40), speed)),
                    parallel("transform",
                            task("clean_players").withDuration(scaled(Duration.ofMinutes(50), speed)),
                            task("clean_events").withDuration(scaled(Duration.ofMinutes(30), speed))),
                    task("load").withDuration(scaled(Duration.ofMinutes(30), speed))));
        }
        emulator.project(BI).workflow(REPORT, ZONE.getId(), sequence(
                task("aggregate").withDuration(scaled(Duration.ofMinutes(30), speed)),
                task("publish").withDuration(scaled(Duration.ofMinutes(20), speed))));
    }

    /** Digdag's session of a daily workflow: midnight of the date in the workflow's zone. */
    static OffsetDateTime session(LocalDate date) {
        return date.atStartOfDay(ZONE).toOffsetDateTime();
    }

    /** The rule as the BI team registers it over REST; {@code deadline} is a wall-clock HH:mm:ss in {@link #ZONE}. */
    static Map<String, Object> rule(String server, String deadline) {
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("team", TEAM);
        rule.put("description", "BI daily report once the game and eikaiwa ETLs have loaded the same day");
        rule.put("upstreams", List.of(load(UPSTREAMS.get(0), server, GAME), load(UPSTREAMS.get(1), server, EIKAIWA)));
        rule.put("match", "all");
        rule.put("correlation", ordered("by", "session_date", "zone", ZONE.getId()));
        rule.put("window", "PT12H");
        rule.put("deadline", ordered("time", deadline, "zone", ZONE.getId()));
        rule.put("action", ordered("server", server, "project", BI, "workflow", REPORT,
                "params", Map.of("report_date", "${upstream.session_date}")));
        return rule;
    }

    private static Map<String, Object> load(String id, String server, String project) {
        return ordered("id", id,
                "digdag", ordered("server", server, "project", project, "workflow", ETL, "task", LOAD_TASK));
    }

    /** A JSON object whose fields keep the order given, as people write them. */
    private static Map<String, Object> ordered(Object... namesAndValues) {
        Map<String, Object> object = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            object.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return object;
    }

    /** Wall-clock time of a simulated duration. */
    static Duration scaled(Duration simulated, double speed) {
        return Duration.ofNanos(Math.round(simulated.toNanos() / speed));
    }
}
