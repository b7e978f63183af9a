package io.baton.trigger;

import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.persistence.Column;
import jakarta.persistence.MappedSuperclass;
import jakarta.persistence.Table;
import org.hibernate.annotations.TimeZoneColumn;
import org.hibernate.annotations.TimeZoneStorage;
import org.hibernate.annotations.TimeZoneStorageType;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * A ledger row whose downstream start is claimed with a lease ({@link TriggerRun}, {@link TriggerRerun}): a short
 * transaction makes it {@code starting} with {@link #nextTryAt} as the end of the lease and counts a try, Digdag is
 * called outside any transaction, and the result is recorded only if the claim still holds. One piece of code claims
 * both kinds.
 */
@MappedSuperclass
public abstract class StartableRow extends RuleKeyRow {

    public static final String PENDING = "pending";
    public static final String STARTING = "starting";

    public String state;

    public int tries;

    /**
     * The downstream session time, with the offset of the rule's correlation zone; null only for a row whose stored
     * text no parser read (V17).
     */
    @Column(name = "downstream_session")
    @TimeZoneStorage(TimeZoneStorageType.COLUMN)
    @TimeZoneColumn(name = "downstream_session_offset")
    public OffsetDateTime downstreamSession;

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    /** When the upstream completion that opened the row happened (Digdag's time). */
    @Column(name = "upstream_finished_at")
    public OffsetDateTime upstreamFinishedAt;

    /** The downstream attempt the start made (or found), its URL, and when. */
    @Column(name = "started_at")
    public OffsetDateTime startedAt;

    @Column(name = "attempt_id")
    public String attemptId;

    @Column(name = "attempt_url")
    public String attemptUrl;

    /** When a pending row is due; for a starting one, the end of its lease. */
    @Column(name = "next_try_at")
    public OffsetDateTime nextTryAt;

    /** The downstream session as Digdag writes it, the text of event ids; null for a row with no session. */
    public String session() {
        return written(downstreamSession);
    }

    /** Whether this row still holds the claim {@code claimed} made (no other replica has taken it over since). */
    boolean heldBy(StartableRow claimed) {
        return STARTING.equals(state) && tries == claimed.tries;
    }

    /** Takes the row for a start: {@code starting} for {@code lease}, one more try. */
    void claim(Duration lease) {
        state = STARTING;
        tries++;
        nextTryAt = OffsetDateTime.now(ZoneOffset.UTC).plus(lease);
    }

    /**
     * Locks a row that may be started now for this transaction: pending (a waiting one is asked for only when due),
     * or starting with its lease run out (the replica that claimed it died); empty when there is none or another
     * replica holds the row.
     */
    @SuppressWarnings("unchecked")
    static <T extends StartableRow> Optional<T> lockClaimable(Class<T> type, long id) {
        List<T> rows = Panache.getEntityManager()
                .createNativeQuery("SELECT * FROM " + table(type) + " WHERE id = :id AND (state = '" + PENDING
                        + "' OR (state = '" + STARTING + "' AND next_try_at <= now())) FOR UPDATE SKIP LOCKED", type)
                .setParameter("id", id)
                .getResultList();
        return rows.stream().findFirst();
    }

    /** Rows due: pending ones whose next try has come, and starting ones whose lease ran out. */
    @SuppressWarnings("unchecked")
    static List<Long> due(Class<? extends StartableRow> type, int limit) {
        return ((List<Number>) Panache.getEntityManager()
                .createNativeQuery("SELECT id FROM " + table(type) + " WHERE state IN ('" + PENDING + "', '"
                        + STARTING + "') AND next_try_at <= now() ORDER BY next_try_at, id LIMIT :limit")
                .setParameter("limit", limit)
                .getResultList()).stream().map(Number::longValue).toList();
    }

    private static String table(Class<? extends StartableRow> type) {
        return type.getAnnotation(Table.class).name();
    }
}
