package io.baton.trigger;

import io.baton.events.DigdagCompletion;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.digdag.Attempt;
import io.baton.digdag.DigdagClient;
import io.baton.digdag.DigdagService;
import io.baton.digdag.DigdagException;
import io.baton.digdag.DigdagUnavailableException;
import io.baton.digdag.Resume;
import io.baton.digdag.StartRequest;
import io.baton.digdag.StartResult;
import io.baton.digdag.Workflow;
import io.baton.problem.ProblemException;
import io.baton.rules.Action;
import io.baton.rules.IfFailed;
import io.baton.rules.Placeholders;
import io.baton.rules.Rule;
import io.baton.rules.RuleService;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.runtime.ShutdownEvent;
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
 * Starts the downstream attempt of a committed ledger row. A row is worked on under a row lock, so two replicas never
 * call Digdag for the same run; Digdag's own conflict on (session, retry name) makes a repeated call harmless (409
 * returns the existing attempt). Transient failures are retried with backoff from the persisted row, so a restart
 * resumes them.
 */
@ApplicationScoped
public class DownstreamStarter {

    private static final Logger LOG = Logger.getLogger(DownstreamStarter.class);

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
        starting.execute(() -> {
            try {
                start(runId);
            } catch (RuntimeException e) {
                LOG.warnf("starting run %d failed; it is resumed later: %s", runId, e.getMessage());
            }
        });
    }

    void stop(@Observes ShutdownEvent event) {
        starting.shutdown();
    }

    /** Works on a pending run now; a no-op when it is not pending or another replica is on it. */
    public void start(long runId) {
        Optional<TriggerOutcomes.Outcome> outcome = QuarkusTransaction.requiringNew()
                .call(() -> TriggerRun.lockPending(runId).flatMap(this::attempt));
        outcome.ifPresent(outcomes::notifyAfterCommit);
    }

    /** Picks up runs left pending: transient failures due for another try, or a start cut short by a crash. */
    @Scheduled(every = "1s", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void resumePending() {
        List<Long> due = QuarkusTransaction.requiringNew().call(() -> TriggerRun.duePending(100));
        due.forEach(this::start);
    }

    private Optional<TriggerOutcomes.Outcome> attempt(TriggerRun run) {
        run.tries++;
        Rule rule;
        try {
            rule = rules.get(run.ruleName);
        } catch (ProblemException deleted) {
            return Optional.of(fail(null, run, "the rule was deleted before its downstream could start"));
        }
        if (rule.isShadow()) {
            run.state = TriggerRun.SHADOW;
            run.startedAt = OffsetDateTime.now(ZoneOffset.UTC);
            registry.counter("baton.trigger.fired", "outcome", run.state).increment();
            return Optional.of(outcomes.record(rule, run));
        }
        try {
            startInDigdag(rule, run);
            run.startedAt = OffsetDateTime.now(ZoneOffset.UTC);
            run.lastError = null;
            // Digdag's clock may run ahead of Baton's; a negative latency says nothing, so it is not recorded.
            if (run.upstreamFinishedAt != null && !run.upstreamFinishedAt.isAfter(run.startedAt)) {
                registry.timer("baton.trigger.latency").record(Duration.between(run.upstreamFinishedAt, run.startedAt));
            }
            registry.counter("baton.trigger.fired", "outcome", run.state).increment();
            return Optional.of(outcomes.record(rule, run));
        } catch (DigdagUnavailableException e) {
            registry.counter("baton.trigger.start.failures", "kind", "transient").increment();
            if (run.tries >= config.maxTries()) {
                return Optional.of(fail(rule, run, e.getMessage()));
            }
            run.lastError = e.getMessage();
            run.nextTryAt = OffsetDateTime.now(ZoneOffset.UTC).plus(backoff(run.tries));
            LOG.warnf("starting the downstream of rule %s for %s failed (try %d), retrying: %s", run.ruleName,
                    run.downstreamSession, run.tries, e.getMessage());
            return Optional.empty();
        } catch (DigdagException | PermanentFailure e) {
            registry.counter("baton.trigger.start.failures", "kind", "permanent").increment();
            return Optional.of(fail(rule, run, e.getMessage()));
        }
    }

    private void startInDigdag(Rule rule, TriggerRun run) {
        Action action = rule.action();
        DigdagService.WorkflowTarget target;
        try {
            target = digdag.workflow(action.server(), action.project(), action.workflow());
        } catch (ProblemException missing) {
            throw new PermanentFailure(missing.getMessage());
        }
        DigdagClient client = target.client();
        Workflow workflow = target.workflow();
        OffsetDateTime session = OffsetDateTime.parse(run.downstreamSession);
        Map<String, Object> params = action.params() == null ? Map.of()
                : mapper.convertValue(action.resolveParams(placeholderValues(rule, run, session)), PARAMS);
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
    }

    private Map<String, String> placeholderValues(Rule rule, TriggerRun run, OffsetDateTime downstream) {
        List<TriggerCondition> conditions = TriggerCondition.of(rule.name(), run.correlationKey);
        OffsetDateTime upstream = conditions.isEmpty() ? downstream
                : OffsetDateTime.parse(conditions.get(conditions.size() - 1).sessionTime);
        return Map.of(
                Placeholders.UPSTREAM_SESSION_TIME, DigdagCompletion.formatSessionTime(upstream),
                Placeholders.UPSTREAM_SESSION_DATE, upstream.toLocalDate().toString(),
                Placeholders.DOWNSTREAM_SESSION_TIME, DigdagCompletion.formatSessionTime(downstream),
                Placeholders.DOWNSTREAM_SESSION_DATE, downstream.toLocalDate().toString(),
                Placeholders.RULE_NAME, rule.name());
    }

    private TriggerOutcomes.Outcome fail(Rule rule, TriggerRun run, String error) {
        run.state = TriggerRun.FAILED;
        run.lastError = error;
        registry.counter("baton.trigger.fired", "outcome", run.state).increment();
        LOG.errorf("the downstream of rule %s for %s could not be started: %s", run.ruleName, run.downstreamSession, error);
        return outcomes.record(rule, run);
    }

    private Duration backoff(int tries) {
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
