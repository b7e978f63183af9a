package io.baton.watch;

import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClient;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Reads a Digdag server's attempt list, newest first (Digdag pages backwards: id &lt; last_id), 100 attempts a call.
 */
final class AttemptPages {

    static final int PAGE_SIZE = 100;

    private final DigdagClient client;
    private final int maxStatusPages;

    AttemptPages(DigdagClient client, int maxStatusPages) {
        this.client = client;
        this.maxStatusPages = maxStatusPages;
    }

    /**
     * Reads pages from the newest on, handing each to {@code wanted}, while they are full and {@code wanted} says the
     * page held something it wanted.
     */
    void fromNewest(Predicate<List<Attempt>> wanted) {
        String lastId = null;
        for (boolean more = true; more; ) {
            List<Attempt> page = client.attempts(new AttemptQuery(null, null, true, lastId, PAGE_SIZE));
            more = wanted.test(page) && page.size() == PAGE_SIZE;
            lastId = page.isEmpty() ? null : page.get(page.size() - 1).id();
        }
    }

    /**
     * The attempts of one poll cycle, by id. Reads on while the page still holds new attempts (above
     * {@code highWater}, within the look-back), and up to {@code max-status-pages} to refresh followed attempts. At
     * the idle pace ({@code deep}) it reads further back while that saves calls: while at least as many followed
     * attempts are older than the page as pages were read beyond the limit. One page answers for 100 attempts, so
     * 700 followed attempts beyond the limit cost 7 calls every idle interval instead of 700.
     */
    Map<Long, Attempt> recent(long highWater, Instant cutoff, NavigableMap<Long, FollowedAttempt> followed,
                              boolean deep) {
        TreeMap<Long, Attempt> listed = new TreeMap<>();
        long oldestFollowed = followed.isEmpty() ? Long.MAX_VALUE : followed.firstKey();
        String lastId = null;
        for (int pages = 1; ; pages++) {
            List<Attempt> page = client.attempts(new AttemptQuery(null, null, true, lastId, PAGE_SIZE));
            page.forEach(a -> listed.put(id(a), a));
            if (page.size() < PAGE_SIZE) {
                return listed;
            }
            Attempt oldest = page.stream().min(Comparator.comparingLong(AttemptPages::id)).orElseThrow();
            boolean moreNew = id(oldest) > highWater
                    && (oldest.createdAt() == null || oldest.createdAt().isAfter(cutoff));
            int beyondLimit = pages - maxStatusPages + 1;
            boolean moreFollowed = id(oldest) > oldestFollowed && (beyondLimit <= 0
                    || deep && followed.headMap(id(oldest), false).size() >= beyondLimit);
            if (!moreNew && !moreFollowed) {
                return listed;
            }
            lastId = oldest.id();
        }
    }

    static long id(Attempt attempt) {
        return Long.parseLong(attempt.id());
    }
}
