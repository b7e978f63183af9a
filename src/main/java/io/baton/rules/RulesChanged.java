package io.baton.rules;

/**
 * Fired inside the transaction that created, replaced, enabled, disabled or deleted a rule. Observe it with
 * {@code @Observes(during = TransactionPhase.AFTER_SUCCESS)} to act only once the change is committed. Other replicas
 * learn about the change from {@code NOTIFY baton_rules} with the rule's name as payload.
 */
public record RulesChanged(String ruleName) {

    /** The PostgreSQL channel every committed rule change is notified on. */
    public static final String CHANNEL = "baton_rules";
}
