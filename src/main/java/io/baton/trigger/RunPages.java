package io.baton.trigger;

import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.persistence.Query;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;

/**
 * Chooses one page of a rule's runs in SQL: its ledger rows whose downstream session lies in [from, to), newest first,
 * then the correlation keys it failed to evaluate events for and has no run for, latest failure first. Sessions are
 * compared as instants ({@code trigger_run.downstream_session}, {@code session_instant}); a stored session no
 * parser reads has none, so it is listed only when the range is open at both ends.
 */
final class RunPages {

    /**
     * One entry of the page: a run, or the failures of a key without a run.
     *
     * @param runId    the ledger row, or null for failures alone
     * @param key      the correlation key; null for failures whose key could not even be computed
     * @param errorIds of failures alone: the failures in range, latest first
     */
    record Entry(Long runId, String key, List<Long> errorIds) {
    }

    private RunPages() {
    }

    static List<Entry> select(String rule, ZoneId zone, OffsetDateTime from, OffsetDateTime to, int page, int size) {
        String runSession = "r.downstream_session";
        String errorSession = "session_instant(e.upstream_session, :zone)";
        Query query = Panache.getEntityManager().createNativeQuery("""
                SELECT run_id, correlation_key, error_ids FROM (
                    SELECT 0 AS part, r.id AS run_id, r.correlation_key, r.created_at AS at, NULL AS error_ids
                    FROM trigger_run r
                    WHERE r.rule_name = :rule%s
                    UNION ALL
                    SELECT 1, NULL, e.correlation_key, max(e.failed_at),
                           string_agg(e.id::text, ',' ORDER BY e.failed_at DESC, e.id DESC)
                    FROM trigger_error e
                    WHERE e.rule_name = :rule%s AND NOT EXISTS (SELECT 1 FROM trigger_run r
                        WHERE r.rule_name = e.rule_name AND r.correlation_key = e.correlation_key)
                    GROUP BY e.correlation_key
                ) entries
                ORDER BY part, at DESC, run_id DESC, correlation_key
                LIMIT :limit OFFSET :offset""".formatted(range(runSession, from, to), range(errorSession, from, to)))
                .setParameter("rule", rule)
                .setParameter("limit", size)
                .setParameter("offset", (long) page * size);
        if (from != null) {
            query.setParameter("from", from);
        }
        if (to != null) {
            query.setParameter("to", to);
        }
        if (from != null || to != null) {
            query.setParameter("zone", zone.getId());
        }
        return ((List<?>) query.getResultList()).stream().map(row -> (Object[]) row).map(row -> new Entry(
                row[0] == null ? null : ((Number) row[0]).longValue(), (String) row[1],
                row[2] == null ? List.of() : Arrays.stream(((String) row[2]).split(",")).map(Long::valueOf).toList()))
                .toList();
    }

    private static String range(String session, OffsetDateTime from, OffsetDateTime to) {
        return (from == null ? "" : " AND " + session + " >= :from") + (to == null ? "" : " AND " + session + " < :to");
    }
}
