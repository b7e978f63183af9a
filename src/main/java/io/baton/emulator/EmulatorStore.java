package io.baton.emulator;

import io.baton.emulator.Stored.Att;
import io.baton.emulator.Stored.Proj;
import io.baton.emulator.Stored.Sess;
import io.baton.emulator.Stored.SessionKey;
import io.baton.emulator.Stored.Wf;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

/**
 * The emulator's store: projects, workflows, sessions and attempts by id (and name), numbered as Digdag numbers them,
 * with lookups that answer Digdag's 404s. No lock of its own: {@link EmulatorState} guards it.
 */
final class EmulatorStore {

    private final Random md5s = new Random(7);
    private long projectSeq;
    private long workflowSeq;
    private long sessionSeq;
    private long attemptSeq;
    private final Map<String, Proj> projectsByName = new HashMap<>();
    final NavigableMap<Long, Proj> projects = new TreeMap<>();
    final NavigableMap<Long, Wf> workflows = new TreeMap<>();
    final Map<SessionKey, Sess> sessionsByKey = new HashMap<>();
    final NavigableMap<Long, Sess> sessions = new TreeMap<>();
    final NavigableMap<Long, Att> attempts = new TreeMap<>();

    void defineProject(String name, Instant now) {
        projectsByName.computeIfAbsent(name, n -> {
            byte[] md5 = new byte[16];
            md5s.nextBytes(md5);
            Proj project = new Proj(++projectSeq, n, now, Base64.getEncoder().encodeToString(md5));
            projects.put(project.id, project);
            return project;
        });
    }

    /** Adds or replaces a workflow; a replaced one gets a new id, as after a push, and its old id keeps resolving. */
    Wf defineWorkflow(String projectName, String name, String timezone, WorkflowSpec spec, Instant now) {
        ZoneId.of(timezone); // rejects an unknown zone now rather than at the first attempt
        Proj project = project(projectName);
        Wf workflow = new Wf(++workflowSeq, project, name, timezone, spec);
        project.workflows.put(name, workflow);
        project.updatedAt = now;
        workflows.put(workflow.id(), workflow);
        return workflow;
    }

    /** Whether the workflow is its project's current definition, of a project not forgotten. */
    boolean isCurrent(Wf workflow) {
        return projects.get(workflow.project().id) == workflow.project()
                && workflow.project().workflows.get(workflow.name()) == workflow;
    }

    Sess addSession(SessionKey key, Wf workflow, OffsetDateTime sessionTime) {
        Sess session = new Sess(++sessionSeq, workflow.project(), workflow.name(), sessionTime);
        sessionsByKey.put(key, session);
        sessions.put(session.id, session);
        return session;
    }

    /** The id the next attempt gets. */
    long nextAttemptId() {
        return ++attemptSeq;
    }

    Att add(Att attempt) {
        attempt.session.attempts.add(attempt);
        attempts.put(attempt.id, attempt);
        return attempt;
    }

    /** Forgets the projects, with their workflows and secrets: their names may be defined again, under new ids. */
    void forgetProjects() {
        projectsByName.clear();
        projects.clear();
        sessionsByKey.clear();
    }

    /** Forgets everything; with {@code restartIds}, every id counts from 1 again. */
    void clear(boolean restartIds) {
        forgetProjects();
        workflows.clear();
        sessions.clear();
        attempts.clear();
        if (restartIds) {
            projectSeq = 0;
            workflowSeq = 0;
            sessionSeq = 0;
            attemptSeq = 0;
        }
    }

    // ---- lookups

    Proj project(String name) {
        return found(projectsByName.get(name), "project name=" + name);
    }

    Proj projectById(long id) {
        return found(projects.get(id), "project id=" + id);
    }

    Wf workflowById(long id) {
        return found(workflows.get(id), "workflow id=" + id);
    }

    Wf latestWorkflow(Proj project, String name) {
        return found(project.workflows.get(name), "workflow name=" + name + " in project " + project.name);
    }

    Sess sessionById(long id) {
        return found(sessions.get(id), "session id=" + id);
    }

    Att attemptById(long id) {
        return found(attempts.get(id), "session attempt id=" + id);
    }

    /** Digdag's 404 names what it did not find. */
    private static <T> T found(T value, String what) {
        if (value == null) {
            throw ApiError.notFound(what);
        }
        return value;
    }

    static long parseId(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException | NullPointerException e) {
            throw ApiError.unconvertible();
        }
    }
}
