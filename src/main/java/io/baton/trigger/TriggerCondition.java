package io.baton.trigger;

import io.baton.digdag.client.SessionTimes;
import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import org.hibernate.annotations.TimeZoneColumn;
import org.hibernate.annotations.TimeZoneStorage;
import org.hibernate.annotations.TimeZoneStorageType;
import org.hibernate.Session;
import org.hibernate.jdbc.ReturningWork;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** An upstream of a rule, satisfied for a correlation key by one upstream session. */
@Entity
@Table(name = "trigger_condition")
public class TriggerCondition extends RuleKeyRow {

    @Column(name = "upstream_id")
    public String upstreamId;

    /** The upstream session instant; the unique key. Null only for a row whose text no parser read (V17). */
    @Column(name = "upstream_session")
    public Instant upstreamSession;

    /** The upstream session time with its offset, as {@link SessionTimes#asWritten}; null as upstreamSession. */
    @Column(name = "session_time")
    @TimeZoneStorage(TimeZoneStorageType.COLUMN)
    @TimeZoneColumn(name = "session_time_offset")
    public OffsetDateTime sessionTime;

    @Column(name = "event_id")
    public String eventId;

    @Column(name = "attempt_id")
    public String attemptId;

    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;

    @Column(name = "satisfied_at", insertable = false, updatable = false)
    public OffsetDateTime satisfiedAt;

    /**
     * Records the conditions whose upstream session is not recorded yet, with one statement; the rows must have
     * distinct {@link Satisfaction#conditionKey}s.
     *
     * @return the id of each row that was new; the others were there already
     */
    static Map<Satisfaction.ConditionKey, Long> recordAll(List<Satisfaction> rows) {
        return jdbc(connection -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO trigger_condition (rule_name, "
                    + "correlation_key, upstream_id, upstream_session, session_time, session_time_offset, event_id, "
                    + "attempt_id, finished_at) SELECT r, k, u, s::timestamptz, t::timestamptz, o, e, a, "
                    + "f::timestamptz "
                    + "FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::text[], "
                    + "?::text[], ?::text[]) WITH ORDINALITY AS input(r, k, u, s, t, o, e, a, f, n) "
                    + "ORDER BY n ON CONFLICT DO NOTHING "
                    + "RETURNING id, rule_name, correlation_key, upstream_id, upstream_session")) {
                insert.setArray(1, texts(connection, rows, s -> s.rule().name()));
                insert.setArray(2, texts(connection, rows, Satisfaction::key));
                insert.setArray(3, texts(connection, rows, Satisfaction::upstreamId));
                insert.setArray(4, texts(connection, rows, s -> s.upstreamSession().toString()));
                insert.setArray(5, texts(connection, rows, s -> SessionTimes.format(s.sessionTime())));
                insert.setArray(6, connection.createArrayOf("integer", rows.stream()
                        .map(s -> SessionTimes.asWritten(s.sessionTime()).getOffset().getTotalSeconds())
                        .toArray(Integer[]::new)));
                insert.setArray(7, texts(connection, rows, s -> s.event().id()));
                insert.setArray(8, texts(connection, rows, s -> s.event().attemptId()));
                insert.setArray(9, texts(connection, rows, s -> s.event().finishedAt().toString()));
                Map<Satisfaction.ConditionKey, Long> inserted = new HashMap<>();
                try (ResultSet row = insert.executeQuery()) {
                    while (row.next()) {
                        inserted.put(new Satisfaction.ConditionKey(row.getString(2), row.getString(3), row.getString(4),
                                row.getObject(5, OffsetDateTime.class).toInstant()), row.getLong(1));
                    }
                }
                return inserted;
            }
        });
    }

    /** The condition an upstream session satisfied, if it did. */
    static Optional<TriggerCondition> of(String rule, String key, String upstreamId, OffsetDateTime sessionTime) {
        return find("ruleName = ?1 and correlationKey = ?2 and upstreamId = ?3 and upstreamSession = ?4", rule, key,
                upstreamId, Satisfaction.stored(sessionTime.toInstant())).firstResultOptional();
    }

    static List<TriggerCondition> of(String rule, String key) {
        return list("ruleName = ?1 and correlationKey = ?2 order by finishedAt, id", rule, key);
    }

    /** Serializes every evaluation of one rule and key across threads and replicas, until the transaction ends. */
    static void lock(String rule, String key) {
        lockAll(List.of(new Satisfaction.RuleKey(rule, key)));
    }

    /**
     * Takes the locks of {@link #lock} for all these rules and keys, in the order of the locks' own keys, so that two
     * transactions that lock overlapping sets (two replicas' batches) wait for each other and never deadlock.
     */
    static void lockAll(Collection<Satisfaction.RuleKey> keys) {
        jdbc(connection -> {
            try (PreparedStatement lock = connection.prepareStatement("SELECT count(pg_advisory_xact_lock(r, k)) FROM "
                    + "(SELECT DISTINCT hashtext(r) AS r, hashtext(k) AS k FROM unnest(?::text[], ?::text[]) AS input(r, k) "
                    + "ORDER BY 1, 2) AS sorted")) {
                lock.setArray(1, texts(connection, keys, Satisfaction.RuleKey::rule));
                lock.setArray(2, texts(connection, keys, Satisfaction.RuleKey::key));
                lock.executeQuery().close();
                return null;
            }
        });
    }

    /** The conditions recorded for these rules and keys, each key's in the order of {@link #of(String, String)}. */
    static Map<Satisfaction.RuleKey, List<TriggerCondition>> of(Collection<Satisfaction.RuleKey> keys) {
        return jdbc(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT c.id, c.rule_name, c.correlation_key, "
                    + "c.upstream_id, c.upstream_session, c.session_time, c.session_time_offset, c.event_id, "
                    + "c.attempt_id, c.finished_at, c.satisfied_at FROM trigger_condition c "
                    + "JOIN unnest(?::text[], ?::text[]) AS input(r, k) "
                    + "ON c.rule_name = input.r AND c.correlation_key = input.k ORDER BY c.finished_at, c.id")) {
                select.setArray(1, texts(connection, keys, Satisfaction.RuleKey::rule));
                select.setArray(2, texts(connection, keys, Satisfaction.RuleKey::key));
                Map<Satisfaction.RuleKey, List<TriggerCondition>> conditions = new HashMap<>();
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        TriggerCondition condition = new TriggerCondition();
                        condition.id = row.getLong(1);
                        condition.ruleName = row.getString(2);
                        condition.correlationKey = row.getString(3);
                        condition.upstreamId = row.getString(4);
                        OffsetDateTime session = row.getObject(5, OffsetDateTime.class);
                        condition.upstreamSession = session == null ? null : session.toInstant();
                        condition.sessionTime = withOffset(row.getObject(6, OffsetDateTime.class), row.getInt(7));
                        condition.eventId = row.getString(8);
                        condition.attemptId = row.getString(9);
                        condition.finishedAt = row.getObject(10, OffsetDateTime.class);
                        condition.satisfiedAt = row.getObject(11, OffsetDateTime.class);
                        conditions.computeIfAbsent(new Satisfaction.RuleKey(condition.ruleName, condition.correlationKey),
                                k -> new ArrayList<>()).add(condition);
                    }
                }
                return conditions;
            }
        });
    }

    /** The order in which a key's conditions are read and evaluated. */
    static final Comparator<TriggerCondition> ORDER = Comparator.comparing(TriggerCondition::finishedInstant)
            .thenComparing(c -> c.id);

    /** A stored session time with its offset column, as Hibernate's {@code @TimeZoneStorage(COLUMN)} reads it. */
    private static OffsetDateTime withOffset(OffsetDateTime instant, int offsetSeconds) {
        return instant == null ? null : instant.withOffsetSameInstant(ZoneOffset.ofTotalSeconds(offsetSeconds));
    }

    /** Plain JDBC on the transaction's connection: arrays bind a whole batch to one statement. */
    private static <T> T jdbc(ReturningWork<T> work) {
        return Panache.getEntityManager().unwrap(Session.class).doReturningWork(work);
    }

    private static <T> Array texts(Connection connection, Collection<T> rows, Function<T, String> column)
            throws SQLException {
        return connection.createArrayOf("text", rows.stream().map(column).toArray(String[]::new));
    }

    Instant finishedInstant() {
        return finishedAt.toInstant();
    }
}
