package io.baton.trigger;

import io.baton.events.DigdagCompletion;
import io.baton.rules.Rule;
import io.baton.rules.UpstreamRerun;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import org.jboss.logging.Logger;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Sees an upstream run again for a session its rule already fired for: a successful completion of a newer Digdag
 * attempt than the one that satisfied the condition. By the rule's {@code onUpstreamRerun} it records the re-run once
 * per rule, key and upstream attempt ({@link TriggerRerun}), and either announces the stale downstream session or
 * leaves a cascade rerun for {@link RerunStarter}.
 */
@ApplicationScoped
public class UpstreamReruns {

    private static final Logger LOG = Logger.getLogger(UpstreamReruns.class);

    /**
     * Runs whose downstream session ran on the data before: a re-run of their upstream makes it stale. A pending run
     * has not called Digdag yet and will start on the new data; one being started may or may not have (a rerun
     * waits until it is recorded).
     */
    private static final Set<String> STARTED = Set.of(TriggerRun.STARTED, TriggerRun.ALREADY_EXISTED,
            TriggerRun.RETRIED);

    @Inject
    TriggerOutcomes outcomes;

    @Inject
    RerunStarter starter;

    @Inject
    TransactionSynchronizationRegistry transactions;

    /**
     * Called in the evaluation's transaction, with the rule and key locked, for an event of an upstream session the
     * rule had already recorded.
     */
    void onRepeat(Rule rule, String key, String upstreamId, UpstreamEvent event, OffsetDateTime sessionTime) {
        UpstreamRerun action = rule.upstreamRerun();
        if (action == UpstreamRerun.IGNORE || !event.isDigdag() || !event.succeeded() || event.attemptId() == null) {
            return;
        }
        Optional<TriggerCondition> satisfied = TriggerCondition.of(rule.name(), key, upstreamId, sessionTime)
                .filter(condition -> isNewer(event, condition));
        Optional<TriggerRun> fired = TriggerRun.forKey(rule.name(), key).filter(run -> STARTED.contains(run.state)
                || action == UpstreamRerun.RERUN && TriggerRun.STARTING.equals(run.state));
        if (satisfied.isEmpty() || fired.isEmpty()) {
            return;
        }
        TriggerRun run = fired.get();
        TriggerRerun rerun = rerun(rule, key, upstreamId, event, satisfied.get(), run.downstreamSession);
        Optional<Long> id = TriggerRerun.open(rerun);
        if (id.isEmpty()) {
            return; // that upstream attempt was already seen: a redelivery, another replica, or another upstream
        }
        rerun.id = id.get();
        LOG.infof("rule %s: %s ran again for %s (attempt %s after %s); %s", rule.name(), rerun.upstreamSubject, key,
                rerun.upstreamAttemptId, rerun.previousAttemptId, rerun.action);
        if (action == UpstreamRerun.NOTIFY) {
            DigdagCompletion completion = event.completion();
            TriggerOutcomes.Outcome stale = outcomes.stale(rule, run, rerun,
                    completion.project() + "/" + completion.workflow());
            afterCommit(() -> outcomes.notifyAfterCommit(stale));
        } else {
            afterCommit(() -> starter.startSoon(rerun.id));
        }
    }

    /**
     * A different attempt that finished later (Digdag's times have whole seconds: in the same second, the higher
     * attempt id): an older attempt's late event is not a re-run.
     */
    private static boolean isNewer(UpstreamEvent event, TriggerCondition condition) {
        if (condition.attemptId == null || Objects.equals(condition.attemptId, event.attemptId())) {
            return false;
        }
        int order = event.finishedAt().compareTo(condition.finishedInstant());
        return order > 0 || order == 0 && higherId(event.attemptId(), condition.attemptId);
    }

    private static boolean higherId(String attemptId, String than) {
        try {
            return Long.parseLong(attemptId) > Long.parseLong(than);
        } catch (NumberFormatException notDigdags) {
            return false;
        }
    }

    private static TriggerRerun rerun(Rule rule, String key, String upstreamId, UpstreamEvent event,
                                      TriggerCondition previous, OffsetDateTime downstreamSession) {
        DigdagCompletion completion = event.completion();
        TriggerRerun rerun = new TriggerRerun();
        rerun.ruleName = rule.name();
        rerun.correlationKey = key;
        rerun.downstreamSession = downstreamSession;
        rerun.upstreamId = upstreamId;
        rerun.upstreamSubject = completion.server() + "/" + completion.subject();
        rerun.upstreamAttempt = completion.attemptKey();
        rerun.upstreamAttemptId = completion.attemptId();
        rerun.previousAttemptId = previous.attemptId;
        rerun.upstreamFinishedAt = OffsetDateTime.ofInstant(event.finishedAt(), ZoneOffset.UTC);
        rerun.action = rule.upstreamRerun() == UpstreamRerun.NOTIFY ? "notify" : "rerun";
        rerun.state = rule.upstreamRerun() == UpstreamRerun.NOTIFY ? TriggerRerun.NOTIFIED : TriggerRerun.PENDING;
        return rerun;
    }

    /** Slack and the start run only once the row is committed; a crash before leaves the rerun to the scheduler. */
    private void afterCommit(Runnable action) {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    action.run();
                }
            }
        });
    }
}
