package io.baton.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagEndpoint;
import io.baton.digdag.client.DigdagJson;
import io.baton.digdag.client.Resume;
import io.baton.digdag.client.SessionTimes;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Answers one REST request the way Digdag does: the same paths, parameters, JSON, ordering and status codes. */
final class EmulatorApi {

    /** Reported by {@code GET /api/version}; says what answers, since it is not Digdag. */
    static final String VERSION = "0.10.6-baton-emulator";
    private static final int DEFAULT_PAGE_SIZE = 100;

    private final EmulatorState state;
    private final EmulatedSchedules schedules;

    EmulatorApi(EmulatorState state, EmulatedSchedules schedules) {
        this.state = state;
        this.schedules = schedules;
    }

    /** A status and a body to write as JSON. */
    record Reply(int status, Object body) {
        static Reply ok(Object body) {
            return new Reply(200, body);
        }
    }

    Reply answer(DigdagEndpoint endpoint, List<String> path, Map<String, String> query, byte[] body) {
        return switch (endpoint) {
            case VERSION -> Reply.ok(Map.of("version", VERSION));
            case PROJECTS -> Reply.ok(Map.of("projects", state.projects(query.get("name"),
                    number(query, "last_id", 0), (int) number(query, "count", DEFAULT_PAGE_SIZE))));
            case PROJECT -> Reply.ok(state.project(id(path)));
            case PROJECT_WORKFLOWS -> Reply.ok(Map.of("workflows", state.projectWorkflows(id(path), query.get("name"))));
            case PROJECT_WORKFLOW -> Reply.ok(state.projectWorkflow(id(path), path.get(1)));
            case PROJECT_SESSIONS -> Reply.ok(Map.of("sessions", state.sessions(id(path), query.get("workflow"),
                    lastIdBackwards(query), pageSize(query))));
            case WORKFLOWS -> Reply.ok(Map.of("workflows", state.workflows(number(query, "last_id", 0),
                    (int) number(query, "count", DEFAULT_PAGE_SIZE))));
            case WORKFLOW -> Reply.ok(state.workflow(id(path)));
            case SESSIONS -> Reply.ok(Map.of("sessions", state.sessions(null, null, lastIdBackwards(query),
                    pageSize(query))));
            case SESSION -> Reply.ok(state.session(id(path)));
            case SESSION_ATTEMPTS -> Reply.ok(Map.of("attempts", state.sessionAttempts(id(path),
                    lastIdBackwards(query), pageSize(query))));
            // Digdag ignores workflow without project, and reads only "true" as true (include_retried=1 is false).
            case ATTEMPTS -> Reply.ok(Map.of("attempts", state.attempts(query.get("project"),
                    query.get("project") == null ? null : query.get("workflow"),
                    "true".equals(query.get("include_retried")), lastIdBackwards(query), pageSize(query))));
            case ATTEMPT -> Reply.ok(state.attempt(id(path)));
            case ATTEMPT_TASKS -> Reply.ok(Map.of("tasks", state.tasks(id(path))));
            case ATTEMPT_RETRIES -> Reply.ok(Map.of("attempts", state.retries(id(path))));
            case START_ATTEMPT -> start(body);
            case KILL_ATTEMPT -> Reply.ok(state.kill(id(path)));
            case SCHEDULES, PROJECT_SCHEDULES, SCHEDULE, DISABLE_SCHEDULE, ENABLE_SCHEDULE, SKIP_SCHEDULE ->
                    schedules.answer(endpoint, path, query, body);
        };
    }

    private Reply start(byte[] body) {
        JsonNode request;
        try {
            request = DigdagJson.mapper().readTree(body);
        } catch (IOException e) {
            throw ApiError.badRequest("Malformed JSON: " + e.getMessage());
        }
        if (request == null || !request.isObject()) {
            throw ApiError.badRequest("Cannot build RestSessionAttemptRequest from " + request);
        }
        List<String> missing = new ArrayList<>();
        for (String field : List.of("workflowId", "sessionTime", "params")) {
            if (!request.hasNonNull(field)) {
                missing.add(field);
            }
        }
        if (!missing.isEmpty()) {
            throw ApiError.badRequest("Cannot build RestSessionAttemptRequest, some of required attributes are not "
                    + "set " + missing);
        }
        if (!request.get("params").isObject()) {
            throw ApiError.badRequest("params must be an object");
        }
        OffsetDateTime sessionTime;
        try {
            sessionTime = SessionTimes.parse(request.get("sessionTime").asText());
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest("Unable to obtain Instant from TemporalAccessor: "
                    + request.get("sessionTime").asText() + " (sessionTime needs an offset)");
        }
        EmulatorState.Started started = state.start(EmulatorStore.parseId(request.get("workflowId").asText()),
                sessionTime, request.get("params"), text(request, "retryAttemptName"), resume(request.get("resume")));
        return new Reply(started.created() ? 200 : 409, started.attempt());
    }

    private static Resume resume(JsonNode resume) {
        if (resume == null || resume.isNull()) {
            return null;
        }
        if (!resume.hasNonNull("attemptId") || !resume.hasNonNull("mode")) {
            throw ApiError.badRequest("resume needs attemptId and mode");
        }
        return new Resume(resume.get("attemptId").asText(), resume.get("mode").asText().toLowerCase(),
                text(resume, "from"));
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    private static long id(List<String> path) {
        return EmulatorStore.parseId(path.get(0));
    }

    private static long lastIdBackwards(Map<String, String> query) {
        return number(query, "last_id", Long.MAX_VALUE);
    }

    /** Digdag caps pages at 100 with a 400; a negative size means no limit on its H2 database. */
    private static int pageSize(Map<String, String> query) {
        long pageSize = number(query, "page_size", DEFAULT_PAGE_SIZE);
        if (pageSize > AttemptQuery.MAX_PAGE_SIZE) {
            throw ApiError.badRequest("Your specified page_size is Optional.of(" + pageSize + "), but it is larger "
                    + "than MAX_PAGE_SIZE: " + AttemptQuery.MAX_PAGE_SIZE + ". You must specify page_size with a "
                    + "number which is smaller than " + AttemptQuery.MAX_PAGE_SIZE + ".");
        }
        return pageSize < 0 ? Integer.MAX_VALUE : (int) pageSize;
    }

    private static long number(Map<String, String> query, String name, long defaultValue) {
        String value = query.get(name);
        return value == null ? defaultValue : EmulatorStore.parseId(value);
    }
}
