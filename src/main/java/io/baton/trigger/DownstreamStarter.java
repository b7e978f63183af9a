package io.baton.trigger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.persistence.TransientFailures;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.DigdagException;
import io.baton.digdag.client.DigdagUnavailableException;
import io.baton.digdag.client.Resume;
import io.baton.digdag.client.SessionTimes;
import io.baton.digdag.client.StartRequest;
import io.baton.digdag.client.StartResult;
import io.baton.digdag.client.Workflow;
import io.baton.digdag.rest.DigdagService;
import io.baton.problem.ProblemException;
import io.baton.rules.Action;
import io.baton.rules.IfFailed;
import io.baton.rules.Placeholders;
import io.baton.rules.Rule;
import io.baton.rules.RuleService;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Starts the downstream attempt of a committed ledger row in three steps, so that no row lock is held while Digdag is
 * called: a short transaction claims the run (state {@code starting} with a lease), Digdag is called outside any
 * transaction, and another short transaction records the result if the claim still holds. A run whose replica died
 * between claim and record is claimed again when its lease runs out; Digdag's own conflict on (session, retry name)
 * makes the repeated call harmless (409 returns the existing attempt). Transient failures are retried with backoff
 * from the persisted row, so a restart resumes them; a run that cannot be processed at all is recorded as failed, so
 * it never holds up the others.
 */
@ApplicationScoped
public class DownstreamStarter {

    private static final Logger LOG = Logger.getLogger(DownstreamStarter.class);

    @Inject
    DigdagService digdag;

    @Inject
    RuleService rules;

    @Inject
    RuleIndex index;

    @Inject
    TriggerConfig config;

    @Inject
    TriggerOutcomes outcomes;

    @Inject
    PreviousSession previousSession;

    @Inject
    MeterRegistry registry;

    @Inject
    Admission admission;

    @Inject
    ObjectMapper mapper;

    private static final TypeReference<Map<String, Object>> PARAMS = new TypeReference<>() {
    };

    /** Starts runs off the event consumer's thread, so one slow Digdag start does not hold up the next events. */
    private final ExecutorService starting = Executors.newFixedThreadPool(4, task -> {
        Thread thread = new Thread(task, "baton-downstream-start");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * Works on a committed run on another thread; should that never happen (a crash), {@link #resumePending} picks
     * the run up.
     */
    public void startSoon(long runId) {
        starting.execute(() -> startOrLeave(runId));
    }

    void stop(@Observes ShutdownEvent event) {
        starting.shutdown();
    }

    /**
     * Works on a run now; a no-op when it is neither pending nor left by a dead replica, or another replica is on it.
     * A run that fails for a reason no retry can change (e.g. a stored session that cannot be parsed) is recorded as
     * failed with that reason.
     */
    public void start(long runId) {
        try {
            Optional<TriggerRun> claimed = QuarkusTransaction.requiringNew().call(() -> claim(runId));
            if (claimed.isEmpty()) {
                return;
            }
            TriggerRun run = claimed.get();
            Attempted attempted = attempt(run);
            QuarkusTransaction.requiringNew().call(() -> record(run, attempted)).ifPresent(outcomes::notifyAfterCommit);
        } catch (RuntimeException e) {
            if (TransientFailures.isTransient(e)) {
                throw e;
            }
            failUnprocessable(runId, e);
        }
    }

    /** Picks up runs due: transient failures due for another try, or a start cut short by a crash. */
    @Scheduled(every = "1s", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void resumePending() {
        List<Long> due = QuarkusTransaction.requiringNew().call(() -> StartableRow.due(TriggerRun.class, 100));
        due.forEach(this::startOrLeave);
    }

    /** Starts a run; a transient failure (PostgreSQL down) leaves it to {@link #resumePending}. */
    private void startOrLeave(long runId) {
        try {
            start(runId);
        } catch (RuntimeException e) {
            LOG.warnf("starting run %d failed; it is resumed later: %s", runId, e.getMessage());
        }
    }

    /** Claims a run that admission control lets start now (the one point every start is admitted at). */
    private Optional<TriggerRun> claim(long runId) {
        return StartableRow.lockClaimable(TriggerRun.class, runId).filter(admission::admit).map(run -> {
            run.claim(config.startLease());
            return run;
        });
    }

    /**
     * Asks Digdag to start the claimed run, outside any transaction, and sets the result on it.
     *
     * @return the rule and the session to record the outcome with
     */
    private Attempted attempt(TriggerRun run) {
        Rule rule;
        try {
            rule = rules.get(run.ruleName);
        } catch (ProblemException deleted) {
            markFailed(run, "the rule was deleted before its downstream could start");
            return new Attempted(null, run.session(), false, null);
        }
        if (rule.isShadow()) {
            run.state = TriggerRun.SHADOW;
            run.startedAt = OffsetDateTime.now(ZoneOffset.UTC);
            return new Attempted(rule, run.session(), false, null);
        }
        try {
            DigdagService.WorkflowTarget target = downstream(rule.action());
            if (rule.waitsForPreviousSession() && heldBack(rule, run, target)) {
                return new Attempted(rule, run.session(), true, null);
            }
            Attempt attempt;
            try {
                attempt = startInDigdag(rule, run, target);
            } catch (DigdagException e) {
                if (!Admission.refusedForLoad(e)) {
                    throw e;
                }
                return waitForSlot(rule, run, e);
            }
            run.startedAt = OffsetDateTime.now(ZoneOffset.UTC);
            run.lastError = null;
            // Digdag's clock may run ahead of Baton's; a negative latency says nothing, so it is not recorded.
            if (run.upstreamFinishedAt != null && !run.upstreamFinishedAt.isAfter(run.startedAt)) {
                registry.timer("baton.trigger.latency").record(Duration.between(run.upstreamFinishedAt, run.startedAt));
            }
            // The same instant as the ledger's session, written as Digdag writes it: in the workflow's zone.
            return new Attempted(rule, SessionTimes.format(attempt.sessionTime()), false,
                    attempt.done() ? null : attempt.id());
        } catch (DigdagUnavailableException e) {
            registry.counter("baton.trigger.start.failures", "kind", "transient").increment();
            if (run.tries >= config.maxTries()) {
                markFailed(run, e.getMessage());
                return new Attempted(rule, run.session(), false, null);
            }
            run.state = TriggerRun.PENDING;
            run.lastError = e.getMessage();
            run.nextTryAt = OffsetDateTime.now(ZoneOffset.UTC).plus(backoff(run.tries));
            LOG.warnf("starting the downstream of rule %s for %s failed (try %d), retrying: %s", run.ruleName,
                    run.session(), run.tries, e.getMessage());
        } catch (DigdagException | PermanentFailure e) {
            registry.counter("baton.trigger.start.failures", "kind", "permanent").increment();
            markFailed(run, e.getMessage());
        }
        return new Attempted(rule, run.session(), false, null);
    }

    /** Digdag refused the start because too many attempts run: the run waits in the queue, not a failed try. */
    private Attempted waitForSlot(Rule rule, TriggerRun run, DigdagException refusal) {
        run.state = TriggerRun.PENDING;
        run.lastError = refusal.getMessage();
        run.nextTryAt = refusedForLoad(run, refusal);
        return new Attempted(rule, run.session(), true, null);
    }

    /**
     * Counts and logs a start (a run or a cascade rerun) that Digdag refused for load.
     *
     * @return when it asks again
     */
    OffsetDateTime refusedForLoad(StartableRow start, DigdagException refusal) {
        registry.counter("baton.trigger.start.failures", "kind", "refused").increment();
        LOG.infof("Digdag refused to start the downstream of rule %s for %s for now; it waits: %s", start.ruleName,
                start.correlationKey, refusal.getMessage());
        return OffsetDateTime.now(ZoneOffset.UTC).plus(config.admissionRecheck());
    }

    /**
     * What a start left to record.
     *
     * @param rule             the run's rule, or null when it was deleted
     * @param sessionTime      the downstream session as Digdag wrote it, or the ledger's when Digdag did not start it
     * @param heldBack         the run waits (for the previous session with {@code dependsOnPast}, or because Digdag
     *                         refused for load): not a failed try
     * @param runningAttemptId the attempt it started (or found) while that still runs; it keeps the admission slot
     */
    private record Attempted(Rule rule, String sessionTime, boolean heldBack, String runningAttemptId) {
    }

    /** Writes what the start did, unless another replica has taken the run over since (its result is the one kept). */
    private Optional<TriggerOutcomes.Outcome> record(TriggerRun result, Attempted attempted) {
        Optional<TriggerRun> held = TriggerRun.lock(result.id).filter(current -> current.heldBy(result));
        if (held.isEmpty()) {
            LOG.infof("run %d was taken over by another replica; its outcome is recorded there", result.id);
            return Optional.empty();
        }
        if (attempted.heldBack()) {
            result.tries--; // after the claim check, which compares the claimed tries
        }
        TriggerRun run = Panache.getEntityManager().merge(result);
        admission.settle(run, attempted.runningAttemptId());
        return TriggerRun.PENDING.equals(run.state) ? Optional.empty()
                : Optional.of(outcome(attempted.rule(), run, attempted.sessionTime()));
    }

    /** Records a run that cannot be processed as failed with the reason, so it never blocks the runs behind it. */
    private void failUnprocessable(long runId, RuntimeException e) {
        LOG.errorf(e, "run %d cannot be processed and is recorded as failed", runId);
        String reason = "cannot be processed: " + e;
        QuarkusTransaction.requiringNew().call(() -> TriggerRun.lock(runId)
                        .filter(run -> TriggerRun.PENDING.equals(run.state) || TriggerRun.STARTING.equals(run.state))
                        .map(run -> {
                            markFailed(run, reason);
                            admission.settle(run, null);
                            return outcome(index.rule(run.ruleName).orElse(null), run, run.session());
                        }))
                .ifPresent(outcomes::notifyAfterCommit);
    }

    /** The rule's downstream workflow in Digdag; a missing server, project or workflow is a permanent failure. */
    DigdagService.WorkflowTarget downstream(Action action) {
        try {
            return digdag.workflow(action.server(), action.project(), action.workflow());
        } catch (ProblemException missing) {
            throw new PermanentFailure(missing.getMessage());
        }
    }

    /** Asks Digdag whether the previous session succeeded; if not, the run waits and asks again later. */
    private boolean heldBack(Rule rule, TriggerRun run, DigdagService.WorkflowTarget target) {
        run.heldBack = previousSession.holdsBack(rule, target, run.downstreamSession).orElse(null);
        if (run.heldBack == null) {
            return false;
        }
        run.state = TriggerRun.PENDING;
        run.nextTryAt = OffsetDateTime.now(ZoneOffset.UTC).plus(config.pastSessionRecheck());
        return true;
    }

    /** @return the attempt that runs the downstream session */
    private Attempt startInDigdag(Rule rule, TriggerRun run, DigdagService.WorkflowTarget target) {
        Action action = rule.action();
        DigdagClient client = target.client();
        Workflow workflow = target.workflow();
        OffsetDateTime session = run.downstreamSession;
        Map<String, Object> params = params(rule, run.correlationKey, session);
        StartResult result = client.start(StartRequest.of(workflow.id(), session, params));
        Attempt attempt = result.attempt();
        run.state = TriggerRun.STARTED;
        if (!result.created()) {
            run.state = TriggerRun.ALREADY_EXISTED;
            if (attempt.done() && !attempt.success() && action.ifFailed() != IfFailed.NONE) {
                Resume resume = action.ifFailed() == IfFailed.RESUME_FAILED ? Resume.failed(attempt.id()) : null;
                // A retry name fixed per run: a repeated try meets Digdag's conflict instead of a second retry.
                attempt = client.start(new StartRequest(workflow.id(), session, params, "baton-run-" + run.id, resume)).attempt();
                run.state = TriggerRun.RETRIED;
            }
        }
        run.attemptId = attempt.id();
        run.attemptUrl = client.baseUrl() + "/attempts/" + attempt.id();
        return attempt;
    }

    /**
     * Starts a new attempt of the rule's downstream session under {@code retryName}, re-running the whole workflow
     * with the action's parameters (a cascade rerun). A repeated call with the same name meets Digdag's conflict and
     * returns the attempt the first one started ({@code created=false}).
     */
    StartResult startRerun(Rule rule, DigdagService.WorkflowTarget target, String correlationKey,
                           OffsetDateTime session, String retryName) {
        return target.client().start(new StartRequest(target.workflow().id(), session,
                params(rule, correlationKey, session), retryName, null));
    }

    private Map<String, Object> params(Rule rule, String correlationKey, OffsetDateTime session) {
        Action action = rule.action();
        return action.params() == null ? Map.of()
                : mapper.convertValue(action.resolveParams(placeholderValues(rule, correlationKey, session)), PARAMS);
    }

    private Map<String, String> placeholderValues(Rule rule, String correlationKey, OffsetDateTime downstream) {
        List<TriggerCondition> conditions = QuarkusTransaction.requiringNew()
                .call(() -> TriggerCondition.of(rule.name(), correlationKey));
        OffsetDateTime upstream = conditions.isEmpty() ? downstream
                : conditions.get(conditions.size() - 1).sessionTime;
        return Map.of(
                Placeholders.UPSTREAM_SESSION_TIME, SessionTimes.format(upstream),
                Placeholders.UPSTREAM_SESSION_DATE, upstream.toLocalDate().toString(),
                Placeholders.DOWNSTREAM_SESSION_TIME, SessionTimes.format(downstream),
                Placeholders.DOWNSTREAM_SESSION_DATE, downstream.toLocalDate().toString(),
                Placeholders.RULE_NAME, rule.name());
    }

    private static void markFailed(TriggerRun run, String error) {
        run.state = TriggerRun.FAILED;
        run.lastError = error;
    }

    private TriggerOutcomes.Outcome outcome(Rule rule, TriggerRun run, String sessionTime) {
        registry.counter("baton.trigger.fired", "outcome", run.state).increment();
        if (TriggerRun.FAILED.equals(run.state)) {
            LOG.errorf("the downstream of rule %s for %s could not be started: %s", run.ruleName, run.session(),
                    run.lastError);
        }
        return outcomes.record(rule, run, sessionTime);
    }

    /** How long a start waits after its {@code tries}-th transient failure. */
    Duration backoff(int tries) {
        Duration delay = config.backoff().multipliedBy(1L << Math.min(tries - 1, 20));
        return delay.compareTo(config.maxBackoff()) > 0 ? config.maxBackoff() : delay;
    }

    /** Digdag will not start it, whatever the number of tries (no such project or workflow). */
    static final class PermanentFailure extends RuntimeException {
        PermanentFailure(String message) {
            super(message);
        }
    }
}
