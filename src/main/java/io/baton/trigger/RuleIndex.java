package io.baton.trigger;

import io.baton.rules.DigdagCondition;
import io.baton.rules.Rule;
import io.baton.rules.RuleExpressions;
import io.baton.rules.RuleService;
import io.baton.rules.RulesChanged;
import io.baton.rules.Upstream;
import io.baton.rules.WorkflowKeys;
import io.baton.watch.TaskInterest;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * In-memory index of the enabled rules by what they wait for, so an event that matches no rule costs a map look-up
 * and no database work. Rebuilt after every committed rule change on this replica, on every {@code NOTIFY
 * baton_rules} from another ({@link RuleChangeListener}), and once a minute as a safety net.
 */
@ApplicationScoped
public class RuleIndex implements TaskInterest {

    private static final Logger LOG = Logger.getLogger(RuleIndex.class);

    /** An upstream of a rule that an event may satisfy. */
    public record Candidate(Rule rule, Upstream upstream) {
    }

    private record Snapshot(Map<String, List<Candidate>> byWorkflow, Map<String, List<Candidate>> byEventType,
                            Map<String, Rule> byName, Set<String> workflowsWithTasks) {
    }

    @Inject
    RuleService rules;

    @Inject
    RuleExpressions expressions;

    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of(), Set.of());

    void onStart(@Observes StartupEvent event) {
        rebuild();
    }

    void onRuleChange(@Observes(during = TransactionPhase.AFTER_SUCCESS) RulesChanged change) {
        rebuild();
    }

    /** One at a time: a rebuild that read the rules earlier must not replace the snapshot of one that read later. */
    @Scheduled(every = "1m", delayed = "1m", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    public synchronized void rebuild() {
        List<Rule> enabled = QuarkusTransaction.requiringNew().call(rules::enabledRules);
        Map<String, List<Candidate>> byWorkflow = new HashMap<>();
        Map<String, List<Candidate>> byEventType = new HashMap<>();
        Map<String, Rule> byName = new HashMap<>();
        Set<String> workflowsWithTasks = new HashSet<>();
        for (Rule rule : enabled) {
            try {
                index(rule, byWorkflow, byEventType, workflowsWithTasks);
                byName.put(rule.name(), rule);
            } catch (RuntimeException e) {
                // A stored rule that cannot be indexed (e.g. an upstream with neither kind) must not stop the others.
                LOG.errorf(e, "rule %s is left out of the trigger engine", rule.name());
            }
        }
        snapshot = new Snapshot(byWorkflow, byEventType, byName, workflowsWithTasks);
    }

    /** Adds the rule's upstreams to the maps; adds nothing when one of them cannot be indexed. */
    private static void index(Rule rule, Map<String, List<Candidate>> byWorkflow, Map<String, List<Candidate>> byEventType,
                              Set<String> workflowsWithTasks) {
        Map<String, List<Candidate>> workflows = new HashMap<>();
        Map<String, List<Candidate>> eventTypes = new HashMap<>();
        Set<String> withTasks = new HashSet<>();
        for (Upstream upstream : rule.upstreams()) {
            if (upstream.digdag() != null) {
                workflows.computeIfAbsent(upstream.digdag().workflowKey(), k -> new ArrayList<>())
                        .add(new Candidate(rule, upstream));
                if (upstream.digdag().task() != null) {
                    withTasks.add(upstream.digdag().workflowKey());
                }
            } else {
                eventTypes.computeIfAbsent(upstream.event().type(), k -> new ArrayList<>())
                        .add(new Candidate(rule, upstream));
            }
        }
        workflows.forEach((key, candidates) -> byWorkflow.computeIfAbsent(key, k -> new ArrayList<>()).addAll(candidates));
        eventTypes.forEach((key, candidates) -> byEventType.computeIfAbsent(key, k -> new ArrayList<>()).addAll(candidates));
        workflowsWithTasks.addAll(withTasks);
    }

    /** The upstreams of enabled rules this event satisfies, filters included. */
    public List<Candidate> match(UpstreamEvent event) {
        Snapshot current = snapshot;
        List<Candidate> matching;
        if (event.isDigdag()) {
            var completion = event.completion();
            List<Candidate> candidates = current.byWorkflow().get(completion.workflowKey());
            if (candidates == null) {
                return List.of();
            }
            matching = candidates.stream().filter(c -> satisfies(c.upstream().digdag(), event)).toList();
        } else {
            List<Candidate> candidates = current.byEventType().get(event.type());
            if (candidates == null) {
                return List.of();
            }
            matching = candidates.stream()
                    .filter(c -> c.upstream().event().subject() == null || c.upstream().event().subject().equals(event.subject()))
                    .toList();
        }
        return passFilters(matching, event);
    }

    /** The event's data is turned into CEL values once, and only when a candidate has a filter. */
    private List<Candidate> passFilters(List<Candidate> candidates, UpstreamEvent event) {
        if (candidates.stream().allMatch(c -> c.upstream().filter() == null)) {
            return candidates;
        }
        RuleExpressions.FilterInput input = event.filterInput();
        return candidates.stream()
                .filter(c -> c.upstream().filter() == null || expressions.filter(c.upstream().filter(), input))
                .toList();
    }

    private static boolean satisfies(DigdagCondition condition, UpstreamEvent event) {
        boolean sameTarget = condition.task() == null ? !event.completion().isTask()
                : condition.task().equals(event.completion().task());
        return sameTarget && condition.outcome().isSatisfiedBy(event.succeeded());
    }

    /**
     * Whether an event of this workflow ({@code server/project/workflow}) or external type can satisfy any enabled
     * rule: the engine reads no further into one that cannot.
     */
    public boolean waitsOn(boolean completion, String workflowKeyOrType) {
        Snapshot current = snapshot;
        return (completion ? current.byWorkflow() : current.byEventType()).containsKey(workflowKeyOrType);
    }

    /** The enabled rules with an upstream on this workflow ({@code server/project/workflow}), whatever its task. */
    public List<Rule> waitingOnWorkflow(String workflowKey) {
        return rulesOf(snapshot.byWorkflow().get(workflowKey));
    }

    /** The enabled rules with an upstream on this external event type, whatever its subject or filter. */
    public List<Rule> waitingOnEventType(String type) {
        return rulesOf(snapshot.byEventType().get(type));
    }

    private static List<Rule> rulesOf(List<Candidate> candidates) {
        return candidates == null ? List.of() : candidates.stream().map(Candidate::rule).distinct().toList();
    }

    public Optional<Rule> rule(String name) {
        return Optional.ofNullable(snapshot.byName().get(name));
    }

    public List<Rule> rules() {
        return List.copyOf(snapshot.byName().values());
    }

    @Override
    public boolean wantsTasks(String server, String project, String workflow) {
        return snapshot.workflowsWithTasks().contains(WorkflowKeys.of(server, project, workflow));
    }
}
