package io.baton.trigger;

import io.baton.digdag.client.SessionTimes;
import io.baton.rules.Deadline;
import io.baton.rules.Rule;
import io.baton.rules.RuleExpressions;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * Raises an alert, once per rule and day, when a rule's deadline passed today without the rule having fired for
 * today's session (the session at 00:00 of today's date, in the rule's correlation zone).
 */
@ApplicationScoped
public class DeadlineWatch {

    @Inject
    RuleIndex index;

    @Inject
    TriggerOutcomes outcomes;

    @Inject
    RuleExpressions expressions;

    @Scheduled(every = "${baton.trigger.deadline-check-interval:30s}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    public void check() {
        Instant now = Instant.now();
        for (Rule rule : index.rules()) {
            if (rule.deadline() != null) {
                checkRule(rule, now).ifPresent(outcomes::notifyAfterCommit);
            }
        }
    }

    private Optional<TriggerOutcomes.Outcome> checkRule(Rule rule, Instant now) {
        Deadline deadline = rule.deadline();
        LocalDate today = now.atZone(deadline.zoneId()).toLocalDate();
        ZonedDateTime due = today.atTime(deadline.localTime()).atZone(deadline.zoneId());
        boolean createdAfterDue = rule.createdAt() != null && rule.createdAt().toInstant().isAfter(due.toInstant());
        if (now.isBefore(due.toInstant()) || createdAfterDue) {
            return Optional.empty();
        }
        OffsetDateTime session = today.atStartOfDay(rule.correlation().zoneId()).toOffsetDateTime();
        String key = rule.correlation().key(session);
        return QuarkusTransaction.requiringNew().call(() -> {
            TriggerCondition.lock(rule.name(), key);
            if (TriggerRun.forKey(rule.name(), key).isPresent() || !raiseOnce(rule.name(), key)) {
                return Optional.empty();
            }
            Evaluation evaluation = Evaluation.of(rule, key, TriggerCondition.of(rule.name(), key), expressions);
            return Optional.of(outcomes.deadlineMissed(rule, evaluation, SessionTimes.format(session),
                    due.toOffsetDateTime().toString()));
        });
    }

    private static boolean raiseOnce(String rule, String key) {
        return Panache.getEntityManager().createNativeQuery(
                        "INSERT INTO trigger_alert (rule_name, correlation_key, kind) VALUES (:rule, :key, 'deadline_missed') "
                                + "ON CONFLICT DO NOTHING")
                .setParameter("rule", rule)
                .setParameter("key", key)
                .executeUpdate() == 1;
    }
}
