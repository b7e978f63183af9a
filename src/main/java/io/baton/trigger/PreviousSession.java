package io.baton.trigger;

import io.baton.digdag.client.Session;
import io.baton.digdag.client.SessionTimes;
import io.baton.digdag.rest.DigdagService;
import io.baton.rules.CorrelateBy;
import io.baton.rules.Rule;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * {@code dependsOnPast}: a downstream session starts only after the previous session of the same downstream
 * workflow succeeded in Digdag. The previous session is the latest earlier one Digdag has; with {@code session_date}
 * correlation it must be the day before (in the correlation zone), so a day that has not run yet holds the next one
 * back too. A workflow's first session has no past and is not held back.
 */
@ApplicationScoped
public class PreviousSession {

    @Inject
    DigdagService digdag;

    /** @return why the session must wait, or empty when it may start */
    public Optional<String> holdsBack(Rule rule, DigdagService.WorkflowTarget target, OffsetDateTime session) {
        Optional<Session> previous = digdag.previousSession(target, session);
        if (previous.isEmpty()) {
            return Optional.empty();
        }
        String workflow = target.project().name() + "/" + target.workflow().name();
        Session found = previous.get();
        if (rule.correlation().by() == CorrelateBy.SESSION_DATE) {
            LocalDate dayBefore = session.atZoneSameInstant(rule.correlation().zoneId()).toLocalDate().minusDays(1);
            if (found.sessionTime().atZoneSameInstant(rule.correlation().zoneId()).toLocalDate().isBefore(dayBefore)) {
                return Optional.of("dependsOnPast: the previous session (" + dayBefore + ") of " + workflow
                        + " has not run in Digdag yet");
            }
        }
        Session.LastAttempt attempt = found.lastAttempt();
        if (attempt.done() && attempt.success()) {
            return Optional.empty();
        }
        return Optional.of("dependsOnPast: the previous session " + SessionTimes.format(found.sessionTime())
                + " of " + workflow + " has not succeeded in Digdag (attempt " + attempt.id() + " "
                + (attempt.done() ? "failed" : "is running") + ")");
    }
}
