package io.baton.trigger;

import io.baton.backtest.BacktestConfig;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.DigdagClients;
import io.baton.digdag.client.DigdagException;
import io.baton.digdag.client.SessionTimes;
import io.baton.history.DigdagHistory;
import io.baton.history.SessionHistory;
import io.baton.rules.Action;
import io.baton.rules.Rule;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Puts the downstream's real start beside each shadow run, read from Digdag when the runs are asked for: the
 * schedule (or a person) may start the session after the shadow fire, so the ledger cannot know it beforehand.
 */
@ApplicationScoped
public class RealStarts {

    private static final Logger LOG = Logger.getLogger(RealStarts.class);

    @Inject
    DigdagClients clients;

    @Inject
    BacktestConfig config;

    List<Explanation> attach(Rule rule, List<Explanation> runs) {
        List<Instant> shadowSessions = runs.stream().filter(RealStarts::isShadow)
                .map(r -> SessionTimes.parse(r.run().downstreamSession()).toInstant()).sorted().toList();
        if (shadowSessions.isEmpty()) {
            return runs;
        }
        Action action = rule.action();
        Map<Instant, SessionHistory> real;
        try {
            real = new DigdagHistory(clients.client(action.server()), config.maxRequestsPerSecond())
                    .sessions(action.project(), action.workflow(), shadowSessions.get(0),
                            shadowSessions.get(shadowSessions.size() - 1).plusSeconds(1))
                    .stream().collect(Collectors.toMap(s -> s.sessionTime().toInstant(), Function.identity()));
        } catch (DigdagException | IllegalArgumentException e) {
            LOG.warnf("the real starts of %s's downstream cannot be read: %s", rule.name(), e.getMessage());
            return runs;
        }
        return runs.stream().map(r -> isShadow(r) ? r.withDownstream(realStart(
                real.get(SessionTimes.parse(r.run().downstreamSession()).toInstant()))) : r).toList();
    }

    private static Explanation.RealStart realStart(SessionHistory session) {
        if (session == null) {
            return new Explanation.RealStart(null, null, null);
        }
        var last = session.last();
        return new Explanation.RealStart(session.firstAttemptId(), session.startedAt(),
                Attempt.status(last.done(), last.success(), last.cancelRequested()));
    }

    private static boolean isShadow(Explanation explanation) {
        return explanation.run() != null && TriggerRun.SHADOW.equals(explanation.run().state());
    }
}
