package io.baton.digdag.rest;

import java.util.List;

/**
 * A session and its attempts, oldest first; the last one is the session's current attempt.
 *
 * @param sessionTime in the workflow's time zone, as Digdag writes it
 */
public record SessionStatus(String server, String project, String workflow, String sessionId, String sessionTime,
                            List<AttemptStatus> attempts) {
}
