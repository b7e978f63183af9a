package io.baton.digdag.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.DigdagClients;
import io.baton.digdag.client.DigdagConfig;
import io.baton.digdag.client.DigdagJson;
import io.baton.digdag.client.Project;
import io.baton.digdag.client.Resume;
import io.baton.digdag.client.Session;
import io.baton.digdag.client.SessionTimeParam;
import io.baton.digdag.client.SessionTimes;
import io.baton.digdag.client.StartRequest;
import io.baton.digdag.client.StartResult;
import io.baton.digdag.client.Task;
import io.baton.digdag.client.Workflow;
import io.baton.problem.FieldError;
import io.baton.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Baton's view of a Digdag session: resolves server → project → workflow → session → latest attempt → task through
 * {@link DigdagClient}, each missing step a 404 naming it, and starts or retries attempts. A few calls per request:
 * project and workflow by name, session pages of that workflow only, then the one attempt asked about.
 */
@ApplicationScoped
public class DigdagService {

    private static final int SESSION_PAGE = 100;
    private static final String RETRY_PREFIX = "baton-retry-";
    private static final TypeReference<Map<String, Object>> PARAMS = new TypeReference<>() {
    };

    @Inject
    DigdagClients clients;

    @Inject
    DigdagConfig config;

    /** A workflow found on its server: what session times and task names are read against. */
    public record WorkflowTarget(DigdagClient client, Project project, Workflow workflow) {

        public String server() {
            return client.serverName();
        }

        public OffsetDateTime sessionTime(SessionTimeParam param) {
            return param.in(workflow.timezone());
        }

        /** A full name ({@code +etl+load}) as it is, a name below the workflow ({@code load}) made full. */
        public String fullName(String task) {
            if (task == null || task.isBlank()) {
                throw ProblemException.invalid("task", "is required");
            }
            return task.startsWith("+") ? task : "+" + workflow.name() + "+" + task;
        }

        public String describe(OffsetDateTime sessionTime) {
            return server() + "/" + project.name() + "/" + workflow.name() + " session "
                    + SessionTimes.format(sessionTime);
        }
    }

    public WorkflowTarget workflow(String server, String project, String workflow) {
        DigdagClient client;
        try {
            client = clients.client(server);
        } catch (IllegalArgumentException e) {
            throw missing("server", "no Digdag server '" + server + "' is configured; known: " + clients.serverNames());
        }
        Project found = client.projectByName(project).orElseThrow(() ->
                missing("project", "no project '" + project + "' on Digdag server '" + server + "'"));
        Workflow definition = client.workflow(found.id(), workflow).orElseThrow(() ->
                missing("workflow", "no workflow '" + workflow + "' in project '" + project + "' on Digdag server '"
                        + server + "'"));
        return new WorkflowTarget(client, found, definition);
    }

    public SessionStatus sessionStatus(String server, String project, String workflow, SessionTimeParam time) {
        WorkflowTarget target = workflow(server, project, workflow);
        Session session = session(target, target.sessionTime(time));
        List<AttemptStatus> attempts = target.client().retries(session.lastAttempt().id()).stream()
                .map(attempt -> AttemptStatus.of(attempt, target.client().baseUrl()))
                .toList();
        return new SessionStatus(server, project, workflow, session.id(),
                SessionTimes.format(session.sessionTime()), attempts);
    }

    public TaskStatus taskStatus(String server, String project, String workflow, SessionTimeParam time, String task) {
        WorkflowTarget target = workflow(server, project, workflow);
        String fullName = target.fullName(task);
        Session session = session(target, target.sessionTime(time));
        return taskIn(target, session.lastAttempt().id(), fullName);
    }

    /** The task in the session's latest attempt; empty while the session has not started. */
    public Optional<TaskStatus> currentTask(WorkflowTarget target, OffsetDateTime sessionTime, String fullName) {
        return findSession(target, sessionTime).map(session -> taskIn(target, session.lastAttempt().id(), fullName));
    }

    /** The task in one attempt: two calls, the attempt and its task list. */
    public TaskStatus taskIn(WorkflowTarget target, String attemptId, String fullName) {
        Attempt attempt = target.client().attempt(attemptId);
        Task task = target.client().tasks(attemptId).stream()
                .filter(t -> t.fullName().equals(fullName))
                // A retried group lists every child again under the same name; the highest id is the current copy.
                .reduce((earlier, later) -> later)
                .orElseThrow(() -> missing("task", "no task '" + fullName + "' in attempt " + attemptId + " of "
                        + target.describe(attempt.sessionTime())));
        String error = task.errorMessage();
        return new TaskStatus(target.server(), target.project().name(), target.workflow().name(),
                SessionTimes.format(attempt.sessionTime()), fullName, task.state(), task.isDone(),
                attempt.id(), attempt.index(), attempt.status(), task.startedAt(), task.updatedAt(), error,
                AttemptStatus.attemptUrl(target.client().baseUrl(), attempt.id()));
    }

    /** Starts the session's first attempt; if it exists, returns it with {@code created=false}. */
    public StartOutcome start(String server, String project, String workflow, SessionTimeParam time,
                              Map<String, Object> params) {
        WorkflowTarget target = workflow(server, project, workflow);
        StartResult result = target.client().start(StartRequest.of(target.workflow().id(), target.sessionTime(time),
                params));
        return outcome(target, result);
    }

    /**
     * Starts a new attempt of an existing session under a fresh retry name, re-running everything or (resume
     * failed) only what did not succeed in the latest attempt. Refused while the latest attempt still runs.
     */
    public StartOutcome retry(String server, String project, String workflow, SessionTimeParam time,
                              Map<String, Object> params, boolean resumeFailed) {
        WorkflowTarget target = workflow(server, project, workflow);
        OffsetDateTime sessionTime = target.sessionTime(time);
        Session.LastAttempt latest = session(target, sessionTime).lastAttempt();
        if (!latest.done()) {
            throw ProblemException.conflict("attempt " + latest.id() + " of " + target.describe(sessionTime)
                    + " is still running; wait for it or kill it first", List.of());
        }
        if (resumeFailed && latest.success()) {
            throw ProblemException.conflict("attempt " + latest.id() + " of " + target.describe(sessionTime)
                    + " succeeded; there is nothing failed to resume",
                    List.of(new FieldError("resume", "the latest attempt succeeded")));
        }
        Map<String, Object> attemptParams = params != null ? params
                : DigdagJson.mapper().convertValue(latest.params(), PARAMS);
        String retryName = RETRY_PREFIX + UUID.randomUUID().toString().substring(0, 8);
        StartResult result = target.client().start(new StartRequest(target.workflow().id(), sessionTime,
                attemptParams, retryName, resumeFailed ? Resume.failed(latest.id()) : null));
        return outcome(target, result);
    }

    private StartOutcome outcome(WorkflowTarget target, StartResult result) {
        Attempt attempt = result.attempt();
        return new StartOutcome(result.created(), target.server(), target.project().name(), target.workflow().name(),
                SessionTimes.format(attempt.sessionTime()),
                AttemptStatus.of(attempt, target.client().baseUrl()));
    }

    private Session session(WorkflowTarget target, OffsetDateTime sessionTime) {
        return findSession(target, sessionTime).orElseThrow(() -> missing("sessionTime", "no session at "
                + SessionTimes.format(sessionTime) + " of workflow '" + target.workflow().name()
                + "' in project '" + target.project().name() + "' (searched its newest "
                + config.sessionSearchPages() * SESSION_PAGE + " sessions)"));
    }

    /** Digdag cannot look a session up by time: its workflow's session pages are read newest first. */
    public Optional<Session> findSession(WorkflowTarget target, OffsetDateTime sessionTime) {
        return readSessions(target, session -> session.sessionTime().isEqual(sessionTime)).stream()
                .filter(session -> session.sessionTime().isEqual(sessionTime)).findFirst();
    }

    /**
     * The workflow's session with the latest session time before {@code sessionTime}; empty when there is none (the
     * first session of the workflow). Pages are read until one holds an earlier session: sessions are listed in the
     * order they were created, so the previous one is on that page unless it was created much later (a backfill).
     */
    public Optional<Session> previousSession(WorkflowTarget target, OffsetDateTime sessionTime) {
        return readSessions(target, session -> session.sessionTime().isBefore(sessionTime)).stream()
                .filter(session -> session.sessionTime().isBefore(sessionTime))
                .max(Comparator.comparing(session -> session.sessionTime().toInstant()));
    }

    /** Reads the workflow's session pages, newest first, until a page holds one that {@code enough} accepts. */
    private List<Session> readSessions(WorkflowTarget target, Predicate<Session> enough) {
        List<Session> read = new ArrayList<>();
        String lastId = null;
        for (int page = 0; page < config.sessionSearchPages(); page++) {
            List<Session> sessions = target.client().sessions(target.project().id(), target.workflow().name(), lastId,
                    SESSION_PAGE);
            read.addAll(sessions);
            if (sessions.size() < SESSION_PAGE || sessions.stream().anyMatch(enough)) {
                return read;
            }
            lastId = sessions.get(sessions.size() - 1).id();
        }
        return read;
    }

    private static ProblemException missing(String field, String detail) {
        return new ProblemException(404, "Not Found", detail, List.of(new FieldError(field, "not found")));
    }
}
