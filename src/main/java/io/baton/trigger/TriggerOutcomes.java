package io.baton.trigger;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.baton.events.BatonEvent;
import io.baton.events.EventOutbox;
import io.baton.events.EventsConfig;
import io.baton.notify.Templates;
import io.baton.rules.Rule;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Announces what the engine did: every trigger outcome as a CloudEvent on the triggers topic, failures and missed
 * deadlines as alerts on the alerts topic (both through the outbox, in the caller's transaction), and, after commit,
 * a Slack message to the rule's webhook.
 */
@ApplicationScoped
public class TriggerOutcomes {

    public static final String TRIGGER_TYPE_PREFIX = "io.baton.trigger.";
    public static final String DEADLINE_MISSED = "io.baton.rule.deadline-missed";
    public static final String TRIGGER_FAILED = "io.baton.rule.trigger-failed";
    public static final String EVALUATION_FAILED = "io.baton.rule.evaluation-failed";
    public static final String STALE = TRIGGER_TYPE_PREFIX + "stale";
    public static final String RERUN_PREFIX = TRIGGER_TYPE_PREFIX + "rerun-";

    @Inject
    EventOutbox outbox;

    @Inject
    EventsConfig events;

    @Inject
    TriggerConfig config;

    @Inject
    SlackNotifier slack;

    /** A Slack message to send once the transaction that caused it has committed. */
    public record Outcome(String webhook, String template, Map<String, String> variables) {
    }

    /** Data of {@code io.baton.trigger.*} events. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TriggerData(String rule, String team, String correlationKey, String server, String project,
                              String workflow, String sessionTime, String outcome, String attemptId,
                              String attemptUrl, boolean manual, String requestedBy, OffsetDateTime upstreamFinishedAt,
                              OffsetDateTime startedAt, Long latencyMillis, String error) {
    }

    /** Data of {@code io.baton.rule.deadline-missed}. */
    public record DeadlineData(String rule, String team, String correlationKey, String deadline,
                               List<String> satisfied, List<String> missing) {
    }

    /** Data of {@code io.baton.rule.evaluation-failed}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EvaluationFailedData(String rule, String team, String correlationKey, String upstreamSession,
                                       String eventId, String error) {
    }

    /**
     * Data of {@code io.baton.trigger.stale} and {@code io.baton.trigger.rerun-*}: the rule's downstream session, the
     * upstream that ran again (its new and its previous attempt) and, for a rerun, the new downstream attempt.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RerunData(String rule, String team, String correlationKey, String server, String project,
                            String workflow, String sessionTime, String outcome, String upstream,
                            String upstreamSubject, String upstreamAttemptId, String previousAttemptId,
                            OffsetDateTime upstreamFinishedAt, String attemptId, String attemptUrl, String message) {
    }

    /** @param sessionTime the downstream session as Digdag wrote it, or the ledger's when Digdag was not reached */
    Outcome record(Rule rule, TriggerRun run, String sessionTime) {
        String outcome = run.state.replace('_', '-');
        Long latency = run.upstreamFinishedAt != null && run.startedAt != null
                ? java.time.Duration.between(run.upstreamFinishedAt, run.startedAt).toMillis() : null;
        TriggerData data = new TriggerData(run.ruleName, rule == null ? null : rule.team(), run.correlationKey,
                rule == null ? null : rule.action().server(), rule == null ? null : rule.action().project(),
                rule == null ? null : rule.action().workflow(), sessionTime, outcome, run.attemptId,
                run.attemptUrl, run.manual, run.requestedBy, run.upstreamFinishedAt, run.startedAt, latency,
                run.lastError);
        String id = "trigger/" + run.ruleName + "/" + run.session() + "/" + outcome;
        outbox.append(new BatonEvent(id, TRIGGER_TYPE_PREFIX + outcome, events.source(), run.ruleName, now(),
                events.triggersTopic(), run.ruleName, data));
        boolean failed = TriggerRun.FAILED.equals(run.state);
        if (failed) {
            outbox.append(new BatonEvent("alert/" + id, TRIGGER_FAILED, events.source(), run.ruleName, now(),
                    events.alertsTopic(), run.ruleName, data));
        }
        Map<String, String> variables = variables(rule, run.ruleName, sessionTime);
        variables.put("attempt_url", run.attemptUrl == null ? "" : run.attemptUrl);
        variables.put("error", run.lastError == null ? "" : run.lastError);
        // A shadow fire started nothing: the event records it, Slack is not told.
        String webhook = TriggerRun.SHADOW.equals(run.state) ? null : webhook(rule);
        return new Outcome(webhook, failed ? config.slack().failedTemplate() : config.slack().firedTemplate(), variables);
    }

    Outcome deadlineMissed(Rule rule, Evaluation evaluation, String session, String deadline) {
        List<String> satisfied = List.copyOf(evaluation.satisfied().keySet());
        DeadlineData data = new DeadlineData(rule.name(), rule.team(), evaluation.correlationKey(), deadline, satisfied,
                evaluation.missing());
        outbox.append(new BatonEvent("alert/deadline/" + rule.name() + "/" + evaluation.correlationKey(), DEADLINE_MISSED,
                events.source(), rule.name(), now(), events.alertsTopic(), rule.name(), data));
        Map<String, String> variables = variables(rule, rule.name(), session);
        variables.put("deadline", deadline);
        variables.put("missing", String.join(", ", evaluation.missing()));
        return new Outcome(webhook(rule), config.slack().deadlineMissedTemplate(), variables);
    }

    /**
     * Announces that the run's downstream session ran on data an upstream has since re-run: the stale event now, and
     * Slack after commit.
     *
     * @param upstreamWorkflow {@code project/workflow} of the upstream that ran again
     */
    Outcome stale(Rule rule, TriggerRun run, TriggerRerun rerun, String upstreamWorkflow) {
        String downstream = rule.action().project() + "/" + rule.action().workflow();
        String date = run.downstreamSession.toLocalDate().toString();
        String message = downstream + " for " + date + " ran on data that " + upstreamWorkflow + " has since re-run";
        RerunData data = rerunData(rule, rerun, "stale", run.attemptId, run.attemptUrl, message);
        outbox.append(new BatonEvent("stale/" + rule.name() + "/" + run.session() + "/"
                + rerun.upstreamAttempt, STALE, events.source(), rule.name(), now(), events.triggersTopic(), rule.name(),
                data));
        Map<String, String> variables = variables(rule, rule.name(), run.session());
        variables.put("message", message);
        variables.put("downstream", downstream);
        variables.put("date", date);
        variables.put("upstream", upstreamWorkflow);
        variables.put("attempt_url", run.attemptUrl == null ? "" : run.attemptUrl);
        return new Outcome(webhook(rule), config.slack().staleTemplate(), variables);
    }

    /** Announces what a cascade rerun did ({@code rerun-started}, {@code -skipped}, {@code -failed}); a failure alerts. */
    void rerun(Rule rule, TriggerRerun rerun) {
        RerunData data = rerunData(rule, rerun, rerun.state, rerun.attemptId, rerun.attemptUrl, rerun.detail);
        String id = "rerun/" + rerun.ruleName + "/" + rerun.session() + "/" + rerun.upstreamAttempt + "/"
                + rerun.state;
        outbox.append(new BatonEvent(id, RERUN_PREFIX + rerun.state, events.source(), rerun.ruleName, now(),
                events.triggersTopic(), rerun.ruleName, data));
        if (TriggerRerun.FAILED.equals(rerun.state)) {
            outbox.append(new BatonEvent("alert/" + id, TRIGGER_FAILED, events.source(), rerun.ruleName, now(),
                    events.alertsTopic(), rerun.ruleName, data));
        }
    }

    private static RerunData rerunData(Rule rule, TriggerRerun rerun, String outcome, String attemptId,
                                       String attemptUrl, String message) {
        return new RerunData(rerun.ruleName, rule == null ? null : rule.team(), rerun.correlationKey,
                rule == null ? null : rule.action().server(), rule == null ? null : rule.action().project(),
                rule == null ? null : rule.action().workflow(), rerun.session(), outcome, rerun.upstreamId,
                rerun.upstreamSubject, rerun.upstreamAttemptId, rerun.previousAttemptId, rerun.upstreamFinishedAt,
                attemptId, attemptUrl, message);
    }

    /** Alerts that a rule could not evaluate an event (the other rules did). */
    void evaluationFailed(Rule rule, long errorId, String correlationKey, String upstreamSession, String eventId,
                          String error) {
        EvaluationFailedData data = new EvaluationFailedData(rule.name(), rule.team(), correlationKey, upstreamSession,
                eventId, error);
        outbox.append(new BatonEvent("alert/evaluation/" + rule.name() + "/" + errorId, EVALUATION_FAILED,
                events.source(), rule.name(), now(), events.alertsTopic(), rule.name(), data));
    }

    /** Sends the Slack message of an outcome, if its rule names a webhook; never fails the caller. */
    void notifyAfterCommit(Outcome outcome) {
        if (outcome.webhook() != null) {
            slack.send(outcome.webhook(), Templates.render(outcome.template(), outcome.variables()));
        }
    }

    private static Map<String, String> variables(Rule rule, String ruleName, String session) {
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("rule", ruleName);
        variables.put("team", rule == null ? "" : rule.team());
        variables.put("session", session);
        return variables;
    }

    private static String webhook(Rule rule) {
        return rule == null || rule.notification() == null ? null : rule.notification().slack();
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
