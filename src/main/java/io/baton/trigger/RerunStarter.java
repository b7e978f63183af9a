package io.baton.trigger;

import io.baton.persistence.TransientFailures;
import io.baton.digdag.client.DigdagException;
import io.baton.digdag.rest.DigdagService;
import io.baton.digdag.client.DigdagUnavailableException;
import io.baton.digdag.client.Session;
import io.baton.digdag.client.StartResult;
import io.baton.problem.ProblemException;
import io.baton.rules.Rule;
import io.baton.rules.RuleService;
import io.baton.rules.UpstreamRerun;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Starts cascade reruns ({@code onUpstreamRerun: rerun}) the way {@link DownstreamStarter} starts runs: a short
 * transaction claims the row with a lease, Digdag is called outside any transaction through
 * {@link DownstreamStarter#startRerun}, and another short transaction records the result if the claim still holds.
 * The retry name is fixed per row ({@code baton-rerun-<id>}), so a start repeated after a crash meets Digdag's conflict
 * and gets the attempt it started. One rerun of a rule and key is started at a time; while the downstream session
 * still runs, the rerun waits, and the attempt it then starts covers every rerun of the session seen until then.
 */
@ApplicationScoped
public class RerunStarter {

    private static final Logger LOG = Logger.getLogger(RerunStarter.class);
    static final String RETRY_PREFIX = "baton-rerun-";

    @Inject
    DownstreamStarter starter;

    @Inject
    DigdagService digdag;

    @Inject
    RuleService rules;

    @Inject
    TriggerConfig config;

    @Inject
    TriggerOutcomes outcomes;

    @Inject
    MeterRegistry registry;

    @Inject
    Admission admission;

    private final ExecutorService starting = Executors.newFixedThreadPool(2, task -> {
        Thread thread = new Thread(task, "baton-rerun-start");
        thread.setDaemon(true);
        return thread;
    });

    /** Works on a committed rerun on another thread; should that never happen (a crash), {@link #resumeDue} does. */
    void startSoon(long rerunId) {
        starting.execute(() -> startOrLeave(rerunId));
    }

    void stop(@Observes ShutdownEvent event) {
        starting.shutdown();
    }

    /** Picks up reruns due: waiting ones to check again, transient failures, and starts cut short by a crash. */
    @Scheduled(every = "1s", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void resumeDue() {
        List<Long> due = QuarkusTransaction.requiringNew().call(() -> StartableRow.due(TriggerRerun.class, 100));
        due.forEach(this::startOrLeave);
    }

    private void startOrLeave(long rerunId) {
        try {
            start(rerunId);
        } catch (RuntimeException e) {
            LOG.warnf("rerun %d failed; it is resumed later: %s", rerunId, e.getMessage());
        }
    }

    /** Works on a rerun now; a no-op when it is not due, another replica is on it, or another rerun of its key is. */
    void start(long rerunId) {
        OffsetDateTime claimedAt = OffsetDateTime.now(ZoneOffset.UTC);
        Optional<TriggerRerun> claimed = QuarkusTransaction.requiringNew().call(() -> claim(rerunId));
        if (claimed.isEmpty()) {
            return;
        }
        TriggerRerun rerun = claimed.get();
        Rule rule = null;
        Tried tried;
        try {
            rule = rules.get(rerun.ruleName);
            tried = attempt(rule, rerun);
        } catch (ProblemException deleted) {
            tried = end(rerun, TriggerRerun.SKIPPED, "the rule was deleted");
        } catch (RuntimeException e) {
            if (TransientFailures.isTransient(e)) {
                throw e; // the lease runs out and the rerun is claimed again
            }
            LOG.errorf(e, "rerun %d cannot be processed and is recorded as failed", rerunId);
            tried = end(rerun, TriggerRerun.FAILED, "cannot be processed: " + e);
        }
        Rule known = rule;
        Tried result = tried;
        QuarkusTransaction.requiringNew().run(() -> record(known, rerun, claimedAt, result));
    }

    /**
     * What a try left to record.
     *
     * @param waits            the rerun waits (downstream still running, Digdag refused for load): not a failed try
     * @param runningAttemptId the attempt it started (or found) while that still runs; it keeps the admission slot
     */
    private record Tried(boolean waits, String runningAttemptId) {
        static final Tried WAITS = new Tried(true, null);
        static final Tried ENDED = new Tried(false, null);
    }

    /**
     * Claims the rerun unless another rerun of the same rule and key is being started (the advisory lock the
     * evaluation takes serializes the check between replicas) or admission control makes it wait for a slot.
     */
    private Optional<TriggerRerun> claim(long rerunId) {
        Optional<TriggerRerun> row = TriggerRerun.findByIdOptional(rerunId);
        if (row.isEmpty()) {
            return Optional.empty();
        }
        TriggerCondition.lock(row.get().ruleName, row.get().correlationKey);
        return StartableRow.lockClaimable(TriggerRerun.class, rerunId)
                .filter(rerun -> !TriggerRerun.anotherStarting(rerun)).filter(admission::admit).map(rerun -> {
                    rerun.claim(config.startLease());
                    return rerun;
                });
    }

    /**
     * Decides and, when the downstream session is free, starts the rerun in Digdag; sets the result on the row.
     *
     * @return whether it waits and the attempt it started
     */
    private Tried attempt(Rule rule, TriggerRerun rerun) {
        if (!Boolean.TRUE.equals(rule.enabled()) || rule.isShadow() || rule.upstreamRerun() != UpstreamRerun.RERUN) {
            return end(rerun, TriggerRerun.SKIPPED, "the rule no longer reruns its downstream (disabled, shadow, or "
                    + "onUpstreamRerun changed)");
        }
        Optional<TriggerRun> run = QuarkusTransaction.requiringNew()
                .call(() -> TriggerRun.forKey(rerun.ruleName, rerun.correlationKey));
        if (run.isEmpty() || TriggerRun.FAILED.equals(run.get().state) || TriggerRun.SHADOW.equals(run.get().state)) {
            return end(rerun, TriggerRerun.SKIPPED, "the rule's run did not start the downstream session");
        }
        if (TriggerRun.PENDING.equals(run.get().state) || TriggerRun.STARTING.equals(run.get().state)) {
            return waitFor(rerun, "the rule's run has not started the downstream session yet");
        }
        try {
            DigdagService.WorkflowTarget target = starter.downstream(rule.action());
            OffsetDateTime session = rerun.downstreamSession;
            String retryName = RETRY_PREFIX + rerun.id;
            Optional<Session.LastAttempt> latest = digdag.findSession(target, session).map(Session::lastAttempt);
            if (latest.isPresent() && !latest.get().done() && !retryName.equals(latest.get().retryAttemptName())) {
                return waitFor(rerun, "attempt " + latest.get().id() + " of the downstream session is still running");
            }
            StartResult result;
            try {
                result = starter.startRerun(rule, target, rerun.correlationKey, session, retryName);
            } catch (DigdagException e) {
                if (!Admission.refusedForLoad(e)) {
                    throw e;
                }
                rerun.state = TriggerRerun.PENDING;
                rerun.detail = e.getMessage();
                rerun.nextTryAt = starter.refusedForLoad(rerun, e);
                return Tried.WAITS;
            }
            rerun.attemptId = result.attempt().id();
            rerun.attemptUrl = target.client().baseUrl() + "/attempts/" + result.attempt().id();
            rerun.startedAt = OffsetDateTime.now(ZoneOffset.UTC);
            end(rerun, TriggerRerun.STARTED, null);
            return new Tried(false, result.attempt().done() ? null : result.attempt().id());
        } catch (DigdagUnavailableException e) {
            registry.counter("baton.trigger.rerun.failures", "kind", "transient").increment();
            if (rerun.tries >= config.maxTries()) {
                return end(rerun, TriggerRerun.FAILED, e.getMessage());
            }
            rerun.state = TriggerRerun.PENDING;
            rerun.detail = e.getMessage();
            rerun.nextTryAt = OffsetDateTime.now(ZoneOffset.UTC).plus(starter.backoff(rerun.tries));
            LOG.warnf("rerun %d of rule %s for %s failed (try %d), retrying: %s", rerun.id, rerun.ruleName,
                    rerun.session(), rerun.tries, e.getMessage());
            return Tried.ENDED;
        } catch (DigdagException | DownstreamStarter.PermanentFailure e) {
            registry.counter("baton.trigger.rerun.failures", "kind", "permanent").increment();
            return end(rerun, TriggerRerun.FAILED, e.getMessage());
        }
    }

    private Tried waitFor(TriggerRerun rerun, String reason) {
        rerun.state = TriggerRerun.PENDING;
        rerun.detail = reason;
        rerun.nextTryAt = OffsetDateTime.now(ZoneOffset.UTC).plus(config.rerunRecheck());
        return Tried.WAITS;
    }

    private static Tried end(TriggerRerun rerun, String state, String detail) {
        rerun.state = state;
        rerun.detail = detail;
        return Tried.ENDED;
    }

    /** Writes what the rerun did, unless another replica has taken it over since (its result is the one kept). */
    private void record(Rule rule, TriggerRerun result, OffsetDateTime claimedAt, Tried tried) {
        if (TriggerRerun.lock(result.id).filter(current -> current.heldBy(result)).isEmpty()) {
            LOG.infof("rerun %d was taken over by another replica; its outcome is recorded there", result.id);
            return;
        }
        if (tried.waits()) {
            result.tries--; // after the claim check, which compares the claimed tries
        }
        TriggerRerun rerun = Panache.getEntityManager().merge(result);
        admission.settle(rerun, tried.runningAttemptId());
        if (TriggerRerun.PENDING.equals(rerun.state)) {
            return;
        }
        if (TriggerRerun.STARTED.equals(rerun.state)) {
            int covered = TriggerRerun.coalesce(rerun, claimedAt);
            LOG.infof("rule %s reran its downstream for %s: attempt %s (covers %d more re-runs seen meanwhile)",
                    rerun.ruleName, rerun.session(), rerun.attemptId, covered);
        }
        registry.counter("baton.trigger.reruns", "outcome", rerun.state).increment();
        outcomes.rerun(rule, rerun);
    }
}
