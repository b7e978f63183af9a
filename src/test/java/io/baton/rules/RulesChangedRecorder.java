package io.baton.rules;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the {@link RulesChanged} events this replica sees after commit, as the trigger engine would. */
@ApplicationScoped
public class RulesChangedRecorder {

    private final List<String> committed = new CopyOnWriteArrayList<>();

    void onChange(@Observes(during = TransactionPhase.AFTER_SUCCESS) RulesChanged change) {
        committed.add(change.ruleName());
    }

    List<String> committed() {
        return List.copyOf(committed);
    }
}
