package io.baton.notify;

import io.baton.digdag.rest.AttemptStatus;
import io.baton.digdag.rest.DigdagService;
import io.baton.digdag.client.SessionTimes;
import io.baton.digdag.client.Schedule;
import io.baton.digdag.client.Session;
import io.baton.events.BatonEvent;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventOutbox;
import io.baton.events.EventsConfig;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks expectations against Digdag. The workflow's schedule, while enabled, names the next session it will start
 * ({@code nextScheduleTime}, at {@code nextRunTime}): that session is recorded as expected. Once due, its state is
 * read from Digdag: running (late), failed, succeeded, or absent. An absent session is not started when the schedule
 * still points at it (the scheduler, or Digdag, is stuck), and not expected when the schedule was disabled or moved
 * past it (a skip). Alerts go to the alerts topic and to the workflow's subscriptions; a session that succeeds after
 * an alert is recovered. Each transition is a conditional update, so replicas checking together alert once.
 */
@ApplicationScoped
public class ExpectationWatch {

    private static final Logger LOG = Logger.getLogger(ExpectationWatch.class);
    public static final String ALERT_TYPE_PREFIX = "io.baton.expectation.";
    private static final Set<String> ALERTED = Set.of("late", "failed", "not_started");
    private static final DateTimeFormatter DUE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

    @Inject
    DigdagService digdag;

    @Inject
    NotifyService notify;

    @Inject
    Deliveries deliveries;

    @Inject
    EventOutbox outbox;

    @Inject
    EventsConfig events;

    @Inject
    NotifyConfig config;

    @Inject
    Clock clock;

    /** A session the schedule planned, and what became of it. */
    public record ExpectedSession(String sessionTime, OffsetDateTime runTime, OffsetDateTime dueAt, String state,
                                  String attemptId, OffsetDateTime updatedAt) {

        boolean alerted() {
            return ALERTED.contains(state);
        }
    }

    /** Data of {@code io.baton.expectation.late|failed|not-started|recovered} on the alerts topic. */
    public record AlertData(String expectation, String team, String server, String project, String workflow,
                            String sessionTime, OffsetDateTime dueAt, String state, String attemptId,
                            String attemptUrl) {
    }

    @Scheduled(every = "${baton.notify.expectation-check-interval:30s}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void checkAll() {
        List<Expectation> enabled = QuarkusTransaction.requiringNew().call(() -> ExpectationEntity
                .<ExpectationEntity>list("enabled", true).stream().map(ExpectationEntity::toExpectation).toList());
        for (Expectation expectation : enabled) {
            try {
                check(expectation);
            } catch (RuntimeException e) {
                // Digdag unreachable, the workflow gone: the next check tries again; the other expectations go on.
                LOG.warnf("expectation %s cannot be checked now: %s", expectation.name(), e.getMessage());
            }
        }
    }

    /** The last 100 sessions planned, newest first. */
    public List<ExpectedSession> sessions(String expectation) {
        return read(expectation, "ORDER BY run_time DESC LIMIT 100");
    }

    void check(Expectation e) {
        Instant now = clock.instant();
        DigdagService.WorkflowTarget target = digdag.workflow(e.server(), e.project(), e.workflow());
        Optional<Schedule> schedule = target.client().schedule(target.project().id(), e.workflow())
                .filter(s -> !s.disabled());
        schedule.ifPresent(s -> plan(e, s));
        for (ExpectedSession slot : open(e.name())) {
            if (!slot.alerted() && now.isBefore(slot.dueAt().toInstant())) {
                continue;
            }
            if (now.isAfter(slot.dueAt().toInstant().plus(config.expectationLookBack()))) {
                transition(e, slot, "expired", null, slot.attemptId(), null);
                continue;
            }
            OffsetDateTime sessionTime = OffsetDateTime.parse(slot.sessionTime());
            Optional<Session> session = digdag.findSession(target, sessionTime);
            if (session.isPresent()) {
                Session.LastAttempt last = session.get().lastAttempt();
                String url = AttemptStatus.attemptUrl(target.client().baseUrl(), last.id());
                if (last.success()) {
                    transition(e, slot, slot.alerted() ? "recovered" : "succeeded",
                            slot.alerted() ? "recovered" : null, last.id(), url);
                } else if (last.done()) {
                    transition(e, slot, "failed", "failed", last.id(), url);
                } else {
                    transition(e, slot, "late", "expected".equals(slot.state()) ? "late" : null, last.id(), url);
                }
            } else if (schedule.isEmpty() || schedule.get().nextScheduleTime().isAfter(sessionTime)) {
                transition(e, slot, "not_expected", null, null, null);
            } else {
                transition(e, slot, "not_started", "not_started", null, null);
            }
        }
    }

    /** Records the schedule's next session as expected (once). */
    private void plan(Expectation e, Schedule schedule) {
        OffsetDateTime runTime = OffsetDateTime.ofInstant(schedule.nextRunTime(), ZoneOffset.UTC);
        OffsetDateTime session = SessionTimes.asWritten(schedule.nextScheduleTime());
        QuarkusTransaction.requiringNew().run(() -> em().createNativeQuery("INSERT INTO expectation_session "
                        + "(expectation_name, session_time, session_time_offset, run_time, due_at, state) VALUES (:n, "
                        + ":s, :offset, :run, :due, 'expected') ON CONFLICT DO NOTHING")
                .setParameter("n", e.name())
                .setParameter("s", session)
                .setParameter("offset", session.getOffset().getTotalSeconds())
                .setParameter("run", runTime)
                .setParameter("due", e.dueAfter(runTime))
                .executeUpdate());
    }

    private List<ExpectedSession> open(String expectation) {
        return read(expectation, "AND state IN ('expected', 'late', 'failed', 'not_started') ORDER BY run_time");
    }

    /** @param rest the rest of the query after the expectation's name: a constant, never input */
    private static List<ExpectedSession> read(String expectation, String rest) {
        return QuarkusTransaction.requiringNew().call(() -> em().createNativeQuery("SELECT session_time, run_time, "
                        + "due_at, state, attempt_id, updated_at, session_time_offset FROM expectation_session "
                        + "WHERE expectation_name = :n "
                        + rest)
                .setParameter("n", expectation)
                .getResultList().stream().map(row -> session((Object[]) row)).toList());
    }

    /** Moves the session to {@code next} unless another replica did; raises {@code alert} (if any) with it. */
    private void transition(Expectation e, ExpectedSession slot, String next, String alert, String attemptId,
                            String attemptUrl) {
        if (next.equals(slot.state())) {
            return;
        }
        QuarkusTransaction.requiringNew().run(() -> {
            int moved = em().createNativeQuery("UPDATE expectation_session SET state = :next, attempt_id = :attempt, "
                            + "updated_at = now() WHERE expectation_name = :n AND session_time = :s AND state = :old")
                    .setParameter("next", next)
                    .setParameter("attempt", attemptId)
                    .setParameter("n", e.name())
                    .setParameter("s", SessionTimes.parse(slot.sessionTime()))
                    .setParameter("old", slot.state())
                    .executeUpdate();
            if (moved == 1 && alert != null) {
                alert(e, slot, alert, attemptId, attemptUrl);
            }
        });
    }

    private void alert(Expectation e, ExpectedSession slot, String state, String attemptId, String attemptUrl) {
        String id = "expectation/" + e.name() + "/" + slot.sessionTime() + "/" + state;
        outbox.append(new BatonEvent(id, ALERT_TYPE_PREFIX + state.replace('_', '-'), events.source(), e.name(),
                OffsetDateTime.now(ZoneOffset.UTC), events.alertsTopic(), e.name(), new AlertData(e.name(), e.team(),
                e.server(), e.project(), e.workflow(), slot.sessionTime(), slot.dueAt(), state, attemptId, attemptUrl)));
        Map<String, String> v = new LinkedHashMap<>();
        v.put("server", e.server());
        v.put("project", e.project());
        v.put("workflow", e.workflow());
        v.put("subject", e.project() + "/" + e.workflow());
        v.put("state", state);
        v.put("session_time", slot.sessionTime());
        v.put("session_date", OffsetDateTime.parse(slot.sessionTime()).toLocalDate().toString());
        v.put("attempt_id", attemptId == null ? "" : attemptId);
        v.put("attempt_url", attemptUrl == null ? "" : attemptUrl);
        v.put("task", "");
        v.put("error", "");
        v.put("expectation", e.name());
        v.put("due", DUE.format(slot.dueAt().atZoneSameInstant(ZoneId.of(e.zone()))) + " " + e.zone());
        String key = e.server() + "/" + e.project() + "/" + e.workflow() + "|" + slot.sessionTime() + "|" + state;
        for (Subscription subscription : notify.matching(e.server(), e.project(), e.workflow(), null, state)) {
            deliveries.enqueue(subscription, key, state, v);
        }
    }

    private static ExpectedSession session(Object[] row) {
        String sessionTime = SessionTimes.format(time(row[0])
                .withOffsetSameInstant(ZoneOffset.ofTotalSeconds(((Number) row[6]).intValue())));
        return new ExpectedSession(sessionTime, time(row[1]), time(row[2]), (String) row[3], (String) row[4],
                time(row[5]));
    }

    private static OffsetDateTime time(Object value) {
        return value instanceof Instant instant ? instant.atOffset(ZoneOffset.UTC) : (OffsetDateTime) value;
    }

    private static EntityManager em() {
        return Panache.getEntityManager();
    }
}
