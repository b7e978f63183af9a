package io.baton.history;

import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.Project;
import io.baton.digdag.client.Session;
import io.baton.digdag.client.Task;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads what already happened on one Digdag server (sessions, their attempts, task lists), paced so that Digdag
 * never sees more than the given requests per second from it. Digdag has no look-up by time: a workflow's sessions
 * are read newest first, a page of 100 at a time, until they are older than the range. Used by the backtest; made
 * for any feature that replays history (backfills).
 */
public final class DigdagHistory {

    private static final int PAGE = 100;

    private final DigdagClient client;
    private final Pacer pacer;
    private final Map<String, Optional<Project>> projects = new HashMap<>();
    private int requests;

    public DigdagHistory(DigdagClient client, double maxRequestsPerSecond) {
        this.client = client;
        this.pacer = new Pacer(maxRequestsPerSecond);
    }

    /**
     * The workflow's sessions whose session time is in [from, to), oldest first. The first attempt of a session is
     * its latest unless that is a named retry (then one more call reads the session's attempts).
     */
    public List<SessionHistory> sessions(String project, String workflow, Instant from, Instant to) {
        Optional<Project> found = project(project);
        if (found.isEmpty()) {
            return List.of();
        }
        List<SessionHistory> sessions = new ArrayList<>();
        String lastId = null;
        while (true) {
            pacer.await();
            requests++;
            List<Session> page = client.sessions(found.get().id(), workflow, lastId, PAGE);
            for (Session session : page) {
                Instant time = session.sessionTime().toInstant();
                if (!time.isBefore(from) && time.isBefore(to)) {
                    sessions.add(history(session));
                }
            }
            // Newest first by id, which is creation order: a back-filled old session can come late, so the page
            // that ends the read is the first whose sessions are all older than the range.
            if (page.size() < PAGE || page.stream().allMatch(s -> s.sessionTime().toInstant().isBefore(from))) {
                break;
            }
            lastId = page.get(page.size() - 1).id();
        }
        sessions.sort(Comparator.comparing(SessionHistory::sessionTime));
        return sessions;
    }

    /** Every task of one attempt. */
    public List<Task> tasks(String attemptId) {
        pacer.await();
        requests++;
        return client.tasks(attemptId);
    }

    /** Requests sent so far. */
    public int requests() {
        return requests;
    }

    private SessionHistory history(Session session) {
        Session.LastAttempt last = session.lastAttempt();
        if (last.retryAttemptName() == null) {
            // Digdag names every retry, so an unnamed attempt is its session's first.
            return new SessionHistory(session.id(), session.sessionTime(), last.id(), last.createdAt(), last);
        }
        pacer.await();
        requests++;
        Attempt first = client.retries(last.id()).get(0);
        return new SessionHistory(session.id(), session.sessionTime(), first.id(), first.createdAt(), last);
    }

    private Optional<Project> project(String name) {
        return projects.computeIfAbsent(name, n -> {
            pacer.await();
            requests++;
            return client.projectByName(n);
        });
    }
}
