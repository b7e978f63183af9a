package io.baton.digdag.client;

/**
 * One page of {@code GET /api/attempts}. Digdag orders by attempt id descending and pages backwards: the next
 * (older) page is {@code lastId} = the smallest id of this page. {@code workflow} is ignored by Digdag unless
 * {@code project} is also given.
 *
 * @param project        exact project name, or null for all (an unknown name is a 404)
 * @param workflow       exact workflow name, or null
 * @param includeRetried false: only each session's last attempt
 * @param lastId         only attempts with a smaller id, or null for the newest
 * @param pageSize       1 to {@link #MAX_PAGE_SIZE}
 */
public record AttemptQuery(String project, String workflow, boolean includeRetried, String lastId, int pageSize) {

    /** Digdag's default {@code api.max_attempts_page_size}; larger pages are a 400. */
    public static final int MAX_PAGE_SIZE = 100;

    /** The newest attempts of every project, retried ones included: what a watcher polls. */
    public static AttemptQuery newest(int pageSize) {
        return new AttemptQuery(null, null, true, null, pageSize);
    }

    /** The next, older page after one whose smallest attempt id is {@code lastId}. */
    public AttemptQuery before(String lastId) {
        return new AttemptQuery(project, workflow, includeRetried, lastId, pageSize);
    }
}
