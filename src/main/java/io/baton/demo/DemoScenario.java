package io.baton.demo;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.TaskSpec;

import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.baton.emulator.TaskSpec.parallel;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;

/**
 * The seed's scenario: the game and eikaiwa teams each load a daily ETL, the BI team's daily report needs both loads
 * of the same day and is due at 07:00 (Asia/Tokyo). Eikaiwa's workflow notifies Baton (push mode) after its load and in
 * its {@code _error} handler; game's is polled. Eikaiwa loads before game on the first days, so game's polled load
 * fires the report, and on the last day so late that it misses the deadline and its notification fires the report.
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
    /** The workflow that notifies Baton ({@code baton.watch.push.workflows}); the other upstream is polled. */
    static final String PUSHED = EIKAIWA + "/" + ETL;

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

    /**
     * The upstream workflows of a day: eikaiwa's source dump comes early, so game's load is the last upstream, except
     * on the last day, when it comes far too late.
     */
    static List<Start> starts(boolean lastDay) {
        return List.of(new Start(GAME, ETL, LocalTime.of(1, 0)),
                new Start(EIKAIWA, ETL, lastDay ? LocalTime.of(6, 45) : LocalTime.of(0, 15)));
    }

    /**
     * The three teams' projects on the emulator; task durations are simulated time, run {@code speed} times faster.
     * Eikaiwa's ETL ends with {@code +notify_baton} and notifies in {@code _error} too, as docs/push-mode.md shows,
     * with its notifier token as the project secret {@code http.authorization}.
     */
    static void define(DigdagEmulator emulator, double speed, String notifications, String notifierToken) {
        for (String team : List.of(GAME, EIKAIWA)) {
            List<TaskSpec> tasks = new ArrayList<>(List.of(
                    task("extract").withDuration(scaled(Duration.ofMinutes(40), speed)),
                    parallel("transform",
                            task("clean_players").withDuration(scaled(Duration.ofMinutes(50), speed)),
                            task("clean_events").withDuration(scaled(Duration.ofMinutes(30), speed))),
                    task("load").withDuration(scaled(Duration.ofMinutes(30), speed))));
            if (!PUSHED.equals(team + "/" + ETL)) {
                emulator.project(team).workflow(ETL, ZONE.getId(), sequence(tasks.toArray(TaskSpec[]::new)));
                continue;
            }
            ObjectNode notify = notifyBaton(notifications);
            tasks.add(task("notify_baton", notify));
            ObjectNode onError = JsonNodeFactory.instance.objectNode();
            onError.set("+notify_baton", notify);
            emulator.project(team).secret("http.authorization", "Bearer " + notifierToken)
                    .workflow(ETL, ZONE.getId(), sequence(tasks.toArray(TaskSpec[]::new)).onError(onError));
        }
        emulator.project(BI).workflow(REPORT, ZONE.getId(), sequence(
                task("aggregate").withDuration(scaled(Duration.ofMinutes(30), speed)),
                task("publish").withDuration(scaled(Duration.ofMinutes(20), speed))));
    }

    /** The {@code http>} task of docs/push-mode.md: Digdag sends the attempt id and the task's full name. */
    private static ObjectNode notifyBaton(String notifications) {
        ObjectNode http = JsonNodeFactory.instance.objectNode().put("http>", notifications).put("method", "POST");
        http.putObject("content").put("attemptId", "${attempt_id}").put("task", "${task_name}");
        return http.put("content_format", "json");
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
