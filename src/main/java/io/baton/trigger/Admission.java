package io.baton.trigger;

import io.baton.digdag.client.DigdagClients;
import io.baton.digdag.client.DigdagException;
import io.baton.digdag.client.DigdagUnavailableException;
import io.baton.events.DigdagCompletion;
import io.baton.rules.Rule;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission control: Baton never has more than {@link TriggerConfig#maxRunningPerServer()} of its own downstream
 * attempts running on one Digdag server. Every start is admitted at one point, the claim of
 * {@link DownstreamStarter} or {@link RerunStarter}, so any kind of start waits in the same queue: ordinary triggers
 * first, then cascade reruns, then backfill starts, and within each in the order they asked. The queue and the slots are rows of {@code trigger_admission}, counted under an
 * advisory lock per server, so the limit holds across replicas and crashes. A slot is given back when the watcher
 * reports the attempt's end, when the start came to nothing, or (a missed end) when Digdag says the attempt is done.
 */
@ApplicationScoped
public class Admission {

    private static final Logger LOG = Logger.getLogger(Admission.class);

    public static final int ORDINARY = 0;
    /** Cascade reruns ({@code onUpstreamRerun: rerun}): after ordinary triggers, before backfill starts. */
    public static final int RERUN = 1;
    public static final int BACKFILL = 2;

    /** The queue with the state of each row's run or rerun ({@code r}, {@code x}). */
    private static final String QUEUE = "trigger_admission a LEFT JOIN trigger_run r ON r.id = a.run_id "
            + "LEFT JOIN trigger_rerun x ON x.id = a.rerun_id";
    /** Of {@link #QUEUE}: the start waits to be admitted (not failed or gone meanwhile). */
    private static final String WAITING = "coalesce(r.state, x.state) = '" + StartableRow.PENDING + "'";
    /** Of {@link #QUEUE}: the last key of the queue's order (one priority holds runs only or reruns only). */
    private static final String ORDER_ID = "coalesce(a.run_id, a.rerun_id)";

    /** First key of the advisory lock per server (the second is the server name's hash). */
    private static final int LOCK_CLASS = 0x0ad3155;

    @Inject
    TriggerConfig config;

    @Inject
    RuleIndex index;

    @Inject
    DigdagClients clients;

    @Inject
    MeterRegistry registry;

    private final Map<String, AtomicLong> waiting = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> running = new ConcurrentHashMap<>();

    @PostConstruct
    void metrics() {
        for (String server : clients.serverNames()) {
            registry.gauge("baton.trigger.admission.waiting", Tags.of("server", server),
                    waiting.computeIfAbsent(server, s -> new AtomicLong()));
            registry.gauge("baton.trigger.admission.running", Tags.of("server", server),
                    running.computeIfAbsent(server, s -> new AtomicLong()));
        }
    }

    /**
     * Decides, in the claim's transaction, whether the run or rerun may call Digdag now. One that must wait stays
     * pending and asks again after {@link TriggerConfig#admissionRecheck()}, or as soon as a slot is given back.
     *
     * @return whether it holds a slot (or needs none: its rule is gone or in shadow mode)
     */
    boolean admit(StartableRow start) {
        Optional<Rule> rule = index.rule(start.ruleName);
        if (rule.isEmpty() || rule.get().isShadow()) {
            return true;
        }
        String server = rule.get().action().server();
        String owner = owner(start);
        EntityManager em = Panache.getEntityManager();
        lock(em, server);
        // A backfill's run was queued when it was opened, at backfill priority; other starts queue when they ask.
        em.createNativeQuery("INSERT INTO trigger_admission (" + owner + ", server, priority) VALUES (:id, :server, "
                        + ":priority) ON CONFLICT (" + owner + ") DO NOTHING")
                .setParameter("id", start.id).setParameter("server", server)
                .setParameter("priority", start instanceof TriggerRerun ? RERUN : ORDINARY).executeUpdate();
        Object[] self = (Object[]) em.createNativeQuery("SELECT admitted_at IS NOT NULL, priority, queued_at "
                        + "FROM trigger_admission WHERE " + owner + " = :id")
                .setParameter("id", start.id).getSingleResult();
        if ((Boolean) self[0]) {
            return true; // claimed again after a crash or a lost lease: it kept its slot
        }
        long taken = ((Number) em.createNativeQuery("SELECT count(*) FROM trigger_admission WHERE server = :server "
                        + "AND admitted_at IS NOT NULL")
                .setParameter("server", server).getSingleResult()).longValue();
        // Slots are kept for starts ahead in the queue; a free slot beyond them is this one's.
        long ahead = ((Number) em.createNativeQuery("SELECT count(*) FROM " + QUEUE + " WHERE a.server = :server "
                        + "AND a.admitted_at IS NULL AND " + WAITING + " AND (a.priority, a.queued_at, " + ORDER_ID
                        + ") < (:priority, :queued, :id)")
                .setParameter("server", server).setParameter("priority", self[1]).setParameter("queued", self[2])
                .setParameter("id", start.id).getSingleResult()).longValue();
        if (taken + ahead < config.maxRunningPerServer()) {
            em.createNativeQuery("UPDATE trigger_admission SET admitted_at = now() WHERE " + owner + " = :id")
                    .setParameter("id", start.id).executeUpdate();
            return true;
        }
        start.nextTryAt = OffsetDateTime.now(ZoneOffset.UTC).plus(config.admissionRecheck());
        return false;
    }

    /**
     * Writes what the start did to its slot, in the record's transaction: an attempt still running keeps it; a start
     * that waits again (Digdag refused, a transient failure, a held-back session, a downstream still running) goes
     * back to its place in the queue; anything else gives the slot back.
     */
    void settle(StartableRow start, String runningAttemptId) {
        EntityManager em = Panache.getEntityManager();
        String owner = owner(start);
        if (runningAttemptId != null) {
            em.createNativeQuery("UPDATE trigger_admission SET attempt_id = :attempt WHERE " + owner + " = :id")
                    .setParameter("attempt", runningAttemptId).setParameter("id", start.id).executeUpdate();
        } else if (StartableRow.PENDING.equals(start.state)) {
            em.createNativeQuery("UPDATE trigger_admission SET admitted_at = NULL WHERE " + owner + " = :id")
                    .setParameter("id", start.id).executeUpdate();
        } else {
            release(em, owner + " = :id", Map.of("id", start.id));
        }
    }

    /** The column of {@code trigger_admission} that names the start. */
    private static String owner(StartableRow start) {
        return start instanceof TriggerRerun ? "rerun_id" : "run_id";
    }

    /** The watcher saw an attempt end (in the transaction that publishes it): its slot, if Baton holds one, is free. */
    void attemptEnded(@Observes DigdagCompletion completion) {
        if (!completion.isTask()) {
            release(Panache.getEntityManager(), "server = :server AND attempt_id = :attempt",
                    Map.of("server", completion.server(), "attempt", completion.attemptId()));
        }
    }

    /**
     * Opens a backfill's ledger row for a downstream session, queued at backfill priority, in the caller's
     * transaction; the starter picks it up as soon as it is due.
     *
     * @return the run's id, or empty when the session already has a run (the ledger fires a session once)
     */
    public Optional<Long> openBackfill(Rule rule, String correlationKey, OffsetDateTime downstreamSession,
                                       String requestedBy) {
        TriggerCondition.lock(rule.name(), correlationKey);
        Optional<Long> id = TriggerRun.open(rule.name(), correlationKey, downstreamSession, null, true, requestedBy,
                Instant.now());
        id.ifPresent(runId -> Panache.getEntityManager().createNativeQuery("INSERT INTO trigger_admission "
                        + "(run_id, server, priority) VALUES (:run, :server, " + BACKFILL + ")")
                .setParameter("run", runId).setParameter("server", rule.action().server()).executeUpdate());
        return id;
    }

    /**
     * Whether Digdag refused a start because too many attempts run: that start waits, it has not failed. Real
     * Digdag's refusal is unrecorded in the samples (its source throws {@code AttemptLimitExceededException},
     * "Too many attempts running"); a 429 or a 503 answer is taken as the same, conservatively.
     */
    static boolean refusedForLoad(DigdagException e) {
        String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return e.status() == 429 || e.status() == 503 || message.contains("too many attempts")
                || message.contains("attemptlimitexceeded");
    }

    /**
     * Gives back slots whose end the watcher did not report (it was not leading, or the attempt ended before its
     * start was recorded): Digdag is asked about attempts admitted longer than {@link TriggerConfig#admissionRecheck()}
     * ago. Also refreshes the gauges.
     */
    @Scheduled(every = "${baton.trigger.admission-check-interval:30s}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void checkSlots() {
        try {
            List<Object[]> slots = QuarkusTransaction.requiringNew().call(() -> rows(Panache.getEntityManager()
                    .createNativeQuery("SELECT server, attempt_id FROM trigger_admission WHERE attempt_id IS NOT NULL "
                            + "AND admitted_at < now() - make_interval(secs => :age)")
                    .setParameter("age", (double) config.admissionRecheck().toSeconds())
                    .getResultList()));
            for (Object[] slot : slots) {
                String server = (String) slot[0];
                String attempt = (String) slot[1];
                if (ended(server, attempt)) {
                    QuarkusTransaction.requiringNew().run(() -> release(Panache.getEntityManager(),
                            "server = :server AND attempt_id = :attempt", Map.of("server", server, "attempt", attempt)));
                }
            }
            QuarkusTransaction.requiringNew().run(this::count);
        } catch (RuntimeException e) {
            LOG.warnf("checking the admission slots failed; tried again later: %s", e.getMessage());
        }
    }

    private boolean ended(String server, String attemptId) {
        if (!clients.serverNames().contains(server)) {
            return true; // the server was removed from the configuration: nothing of it runs for Baton
        }
        try {
            return clients.client(server).attempt(attemptId).done();
        } catch (DigdagUnavailableException e) {
            return false;
        } catch (DigdagException e) {
            return e.status() == 404; // the attempt is gone (the server lost it)
        }
    }

    private void count() {
        List<Object[]> counts = rows(Panache.getEntityManager().createNativeQuery("SELECT server, "
                + "count(*) FILTER (WHERE admitted_at IS NULL), count(*) FILTER (WHERE admitted_at IS NOT NULL) "
                + "FROM trigger_admission GROUP BY server").getResultList());
        waiting.values().forEach(g -> g.set(0));
        running.values().forEach(g -> g.set(0));
        for (Object[] row : counts) {
            Optional.ofNullable(waiting.get((String) row[0])).ifPresent(g -> g.set(((Number) row[1]).longValue()));
            Optional.ofNullable(running.get((String) row[0])).ifPresent(g -> g.set(((Number) row[2]).longValue()));
        }
    }

    /**
     * Deletes the slots matching {@code where} and makes the first waiting starts of their servers due now, so they do
     * not wait for their next recheck. Starts whose next try is further off (backoff, held back) keep it.
     */
    private void release(EntityManager em, String where, Map<String, Object> params) {
        var delete = em.createNativeQuery("DELETE FROM trigger_admission WHERE " + where + " RETURNING server");
        params.forEach(delete::setParameter);
        @SuppressWarnings("unchecked")
        List<String> servers = delete.getResultList();
        for (String server : servers.stream().distinct().toList()) {
            em.createNativeQuery("WITH next AS (SELECT a.run_id, a.rerun_id FROM " + QUEUE + " WHERE a.server = "
                            + ":server AND a.admitted_at IS NULL AND " + WAITING + " AND coalesce(r.next_try_at, "
                            + "x.next_try_at) <= now() + make_interval(secs => :recheck) "
                            + "ORDER BY a.priority, a.queued_at, " + ORDER_ID + " LIMIT :free), "
                            + "runs AS (UPDATE trigger_run SET next_try_at = now() "
                            + "WHERE id IN (SELECT run_id FROM next)) "
                            + "UPDATE trigger_rerun SET next_try_at = now() WHERE id IN (SELECT rerun_id FROM next)")
                    .setParameter("server", server)
                    .setParameter("recheck", (double) config.admissionRecheck().toSeconds())
                    .setParameter("free", servers.stream().filter(server::equals).count())
                    .executeUpdate();
        }
    }

    private static void lock(EntityManager em, String server) {
        em.createNativeQuery("SELECT 1 FROM pg_advisory_xact_lock(:lockClass, hashtext(:server))")
                .setParameter("lockClass", LOCK_CLASS).setParameter("server", server).getSingleResult();
    }

    @SuppressWarnings("unchecked")
    private static List<Object[]> rows(List<?> result) {
        return (List<Object[]>) result;
    }
}
