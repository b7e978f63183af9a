package io.baton.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.digdag.client.DigdagEndpoint;
import io.baton.digdag.client.DigdagJson;
import io.baton.digdag.client.Project;
import io.baton.digdag.client.ProjectRef;
import io.baton.digdag.client.Schedule;
import io.baton.digdag.client.SessionTimes;
import io.baton.digdag.client.Workflow;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Digdag's schedules in the emulator: each scheduled workflow starts its sessions on its {@link ScheduleSpec} in the
 * workflow's zone, on the emulator's clock, and the schedule endpoints answer as recorded from a real server
 * (API-NOTES "Schedules"): disable keeps {@code nextRunTime} at the missed slot; enable with {@code {}} starts every
 * missed session at once, with {@code skipSchedule} drops them; a push keeps the id and {@code disabledAt}; a push
 * without the schedule deletes it. Lock order: this, then the state.
 */
final class EmulatedSchedules {

    private static final int PAGE = 100;

    private final EmulatorState state;
    private final EmulatorClock clock;
    private long scheduleSeq;
    private final NavigableMap<Long, Sched> byId = new TreeMap<>();
    private final Map<WorkflowKey, Sched> byWorkflow = new HashMap<>();
    private final Set<WorkflowKey> stalled = new HashSet<>();

    EmulatedSchedules(EmulatorState state, EmulatorClock clock) {
        this.state = state;
        this.clock = clock;
    }

    /** A push of the workflow with this schedule, or (null) without one. */
    synchronized void pushed(String project, String workflow, ScheduleSpec spec) {
        WorkflowKey key = new WorkflowKey(project, workflow);
        Sched existing = byWorkflow.get(key);
        if (spec == null) {
            if (existing != null) {
                byWorkflow.remove(key);
                byId.remove(existing.id);
            }
            return;
        }
        Sched schedule = existing != null ? existing : new Sched(++scheduleSeq, key, now());
        // One that has run goes on from its last session; one that never ran is recomputed (a skip is lost).
        if (existing == null || existing.lastExecuted == null || !spec.equals(existing.spec)) {
            schedule.spec = spec;
            schedule.next = spec.firstRunningAtOrAfter(clock.instant(), zone(schedule));
            schedule.nextRunOverride = null;
        }
        byWorkflow.put(key, schedule);
        byId.put(schedule.id, schedule);
    }

    /** Starts every session whose run time has come, on enabled schedules. */
    synchronized void tick() {
        Instant now = clock.instant();
        for (Sched schedule : byId.values()) {
            while (schedule.disabledAt == null && !stalled.contains(schedule.key) && !runTime(schedule).isAfter(now)) {
                Instant runTime = runTime(schedule);
                // Missed while disabled: started when enabled, as Digdag does; otherwise on time.
                start(schedule, runTime.isBefore(schedule.enabledAt) ? now : runTime);
            }
        }
    }

    /**
     * A stuck scheduler (a fault): the workflow's schedule stays enabled and keeps pointing at its next session, but
     * starts nothing until released.
     */
    synchronized void stall(String project, String workflow, boolean stall) {
        WorkflowKey key = new WorkflowKey(project, workflow);
        if (stall) {
            stalled.add(key);
        } else {
            stalled.remove(key);
        }
    }

    synchronized void clear() {
        stalled.clear();
        byId.clear();
        byWorkflow.clear();
    }

    // ---- REST

    EmulatorApi.Reply answer(DigdagEndpoint endpoint, List<String> path, Map<String, String> query, byte[] body) {
        return switch (endpoint) {
            case SCHEDULES -> EmulatorApi.Reply.ok(Map.of("schedules", list(null, null, lastId(query))));
            case PROJECT_SCHEDULES -> EmulatorApi.Reply.ok(Map.of("schedules",
                    list(state.project(EmulatorStore.parseId(path.get(0))), query.get("workflow"), lastId(query))));
            case SCHEDULE -> EmulatorApi.Reply.ok(get(id(path)));
            case DISABLE_SCHEDULE -> EmulatorApi.Reply.ok(disable(id(path)));
            case ENABLE_SCHEDULE -> EmulatorApi.Reply.ok(enable(id(path), body));
            case SKIP_SCHEDULE -> EmulatorApi.Reply.ok(skip(id(path), body));
            default -> throw new IllegalArgumentException(endpoint + " is not a schedule endpoint");
        };
    }

    private synchronized List<Schedule> list(Project project, String workflow, long lastId) {
        return byId.tailMap(lastId, false).values().stream()
                .filter(s -> project == null || s.key.project.equals(project.name()))
                .filter(s -> workflow == null || s.key.workflow.equals(workflow))
                .limit(PAGE).map(s -> view(s).withoutTimestamps()).toList();
    }

    private synchronized Schedule get(long id) {
        return view(schedule(id)).withoutTimestamps();
    }

    private synchronized Schedule disable(long id) {
        Sched schedule = schedule(id);
        schedule.disabledAt = now();
        return view(schedule);
    }

    private synchronized Schedule enable(long id, byte[] body) {
        Sched schedule = schedule(id);
        if (body.length == 0) {
            throw ApiError.badRequest("RESTEASY003200: Could not find message body reader for type: interface "
                    + "io.digdag.client.api.RestScheduleEnableRequest of content type: */*");
        }
        JsonNode request = json(body);
        if (request.path("skipSchedule").asBoolean(false)) {
            if (request.hasNonNull("nextTime")) {
                moveTo(schedule, skippedTo(schedule, instant(schedule, request.get("nextTime").asText()), 0), null);
            } else if (runTime(schedule).isBefore(clock.instant())) {
                moveTo(schedule, schedule.spec.firstRunningAtOrAfter(clock.instant(), zone(schedule)), null);
            }
        }
        if (schedule.disabledAt != null) {
            schedule.disabledAt = null;
            schedule.enabledAt = clock.instant();
        }
        return view(schedule);
    }

    private synchronized Schedule skip(long id, byte[] body) {
        Sched schedule = schedule(id);
        if (body.length == 0) {
            throw ApiError.badRequest("RESTEASY003065: Cannot consume content type");
        }
        JsonNode request = json(body);
        // Digdag's Jackson reads every field before it checks the required ones.
        for (String field : List.of("nextTime", "fromTime", "nextRunTime")) {
            if (request.hasNonNull(field)) {
                instant(schedule, request.get(field).asText());
            }
        }
        if (!request.hasNonNull("dryRun")) {
            throw ApiError.badRequest("Cannot construct instance of `io.digdag.client.api.ImmutableRestScheduleSkip"
                    + "Request`, problem: Cannot build RestScheduleSkipRequest, some of required attributes are not "
                    + "set [dryRun]");
        }
        ZonedDateTime next;
        if (request.hasNonNull("nextTime")) {
            next = skippedTo(schedule, instant(schedule, request.get("nextTime").asText()), 0);
        } else if (request.hasNonNull("fromTime") && request.hasNonNull("count")) {
            next = skippedTo(schedule, instant(schedule, request.get("fromTime").asText()),
                    request.get("count").asInt());
        } else {
            throw ApiError.badRequest("nextTime or (fromTime and count) are required");
        }
        Instant runOverride = request.hasNonNull("nextRunTime")
                ? instant(schedule, request.get("nextRunTime").asText()) : null;
        if (request.get("dryRun").asBoolean()) {
            Sched preview = schedule.copy();
            moveTo(preview, next, runOverride);
            return view(preview);
        }
        moveTo(schedule, next, runOverride);
        return view(schedule);
    }

    /** The first session running at or after {@code time}, {@code count} sessions further; never backwards. */
    private ZonedDateTime skippedTo(Sched schedule, Instant time, int count) {
        if (time.isBefore(runTime(schedule))) {
            throw new ApiError(409, "Specified time to skip schedules is already past");
        }
        ZonedDateTime next = schedule.spec.firstRunningAtOrAfter(time, zone(schedule));
        for (int i = 0; i < count; i++) {
            next = schedule.spec.next(next);
        }
        return next;
    }

    private static void moveTo(Sched schedule, ZonedDateTime next, Instant runOverride) {
        schedule.next = next;
        schedule.nextRunOverride = runOverride;
    }

    // ---- starting sessions

    private void start(Sched schedule, Instant at) {
        ZonedDateTime session = schedule.next;
        ObjectNode params = JsonNodeFactory.instance.objectNode()
                .put("last_session_time", format(schedule.spec.previous(session)))
                .put("next_session_time", format(schedule.spec.next(session)));
        if (schedule.lastExecuted != null) {
            params.put("last_executed_session_time", format(schedule.lastExecuted));
        }
        long workflowId = Long.parseLong(state.workflowId(schedule.key.project, schedule.key.workflow));
        state.startAt(at, workflowId, session.toOffsetDateTime(), params);
        schedule.lastExecuted = session;
        moveTo(schedule, schedule.spec.next(session), null);
    }

    // ---- views and look-ups

    private Schedule view(Sched s) {
        Workflow workflow = workflow(s);
        return new Schedule(String.valueOf(s.id), new ProjectRef(workflow.project().id(), s.key.project),
                new Schedule.IdAndName(workflow.id(), s.key.workflow), runTime(s), s.next.toOffsetDateTime(),
                s.disabledAt, s.createdAt, s.createdAt);
    }

    private Workflow workflow(Sched s) {
        Project project = state.projects(s.key.project, 0, 1).get(0);
        return state.projectWorkflow(Long.parseLong(project.id()), s.key.workflow);
    }

    private ZoneId zone(Sched s) {
        return ZoneId.of(workflow(s).timezone());
    }

    private static Instant runTime(Sched s) {
        return s.nextRunOverride != null ? s.nextRunOverride : s.spec.runTime(s.next);
    }

    private Sched schedule(long id) {
        Sched schedule = byId.get(id);
        if (schedule == null) {
            throw ApiError.notFound("schedule id=" + id);
        }
        return schedule;
    }

    /** An instant ({@code ...Z} or with an offset), or a local date-time in the workflow's zone. */
    private Instant instant(Sched schedule, String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException notOffset) {
            try {
                return LocalDateTime.parse(text).atZone(zone(schedule)).toInstant();
            } catch (DateTimeParseException e) {
                throw ApiError.badRequest("Cannot construct instance of `io.digdag.client.api.LocalTimeOrInstant`, "
                        + "problem: Invalid timestamp format: " + text);
            }
        }
    }

    private static JsonNode json(byte[] body) {
        try {
            JsonNode request = DigdagJson.mapper().readTree(body);
            if (request == null || !request.isObject()) {
                throw ApiError.badRequest("Cannot deserialize a request object from " + request);
            }
            return request;
        } catch (IOException e) {
            throw ApiError.badRequest("Malformed JSON: " + e.getMessage());
        }
    }

    private static long id(List<String> path) {
        return EmulatorStore.parseId(path.get(0));
    }

    private static long lastId(Map<String, String> query) {
        String lastId = query.get("last_id");
        return lastId == null ? 0 : EmulatorStore.parseId(lastId);
    }

    private static String format(ZonedDateTime time) {
        return SessionTimes.format(time.toOffsetDateTime());
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    private record WorkflowKey(String project, String workflow) {
    }

    private static final class Sched {
        final long id;
        final WorkflowKey key;
        final Instant createdAt;
        ScheduleSpec spec;
        ZonedDateTime next;
        /** Set by a skip's {@code nextRunTime}: the run time of {@link #next} only. */
        Instant nextRunOverride;
        Instant disabledAt;
        /** When it was last enabled: a slot before it was missed while disabled. */
        Instant enabledAt = Instant.MIN;
        ZonedDateTime lastExecuted;

        Sched(long id, WorkflowKey key, Instant createdAt) {
            this.id = id;
            this.key = key;
            this.createdAt = createdAt;
        }

        Sched copy() {
            Sched copy = new Sched(id, key, createdAt);
            copy.spec = spec;
            copy.next = next;
            copy.nextRunOverride = nextRunOverride;
            copy.disabledAt = disabledAt;
            copy.enabledAt = enabledAt;
            copy.lastExecuted = lastExecuted;
            return copy;
        }
    }
}
