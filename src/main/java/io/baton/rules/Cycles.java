package io.baton.rules;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds the cycle a rule would close: its downstream workflow reaching, through other rules, one of its own upstream
 * workflows. Workflows are the nodes (a task condition stands for its workflow, since an action starts a whole
 * workflow); every rule, enabled or not, is an edge, because a disabled rule can be enabled without a new check.
 */
final class Cycles {

    private record Step(String workflow, String rule) {
    }

    private Cycles() {
    }

    /** @return the cycle as text, e.g. {@code main/a/etl -[r1]-> main/b/etl -[r2]-> main/a/etl} */
    static Optional<String> closedBy(Rule candidate, Collection<Rule> others) {
        Map<String, List<Step>> next = new HashMap<>();
        for (Rule rule : others) {
            if (!rule.name().equals(candidate.name())) {
                addEdges(next, rule);
            }
        }
        addEdges(next, candidate);
        Set<String> upstreams = digdagUpstreams(candidate);
        String start = candidate.action().workflowKey();
        // Breadth-first from the downstream, so the cycle reported is a shortest one.
        Map<String, Step> reachedVia = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        reachedVia.put(start, null);
        while (!queue.isEmpty()) {
            String workflow = queue.poll();
            if (upstreams.contains(workflow)) {
                return Optional.of(describe(candidate, start, workflow, reachedVia));
            }
            for (Step step : next.getOrDefault(workflow, List.of())) {
                if (!reachedVia.containsKey(step.workflow())) {
                    reachedVia.put(step.workflow(), new Step(workflow, step.rule()));
                    queue.add(step.workflow());
                }
            }
        }
        return Optional.empty();
    }

    private static void addEdges(Map<String, List<Step>> next, Rule rule) {
        for (String upstream : digdagUpstreams(rule)) {
            next.computeIfAbsent(upstream, k -> new ArrayList<>())
                    .add(new Step(rule.action().workflowKey(), rule.name()));
        }
    }

    private static Set<String> digdagUpstreams(Rule rule) {
        return rule.upstreams().stream().filter(u -> u.digdag() != null).map(u -> u.digdag().workflowKey())
                .collect(Collectors.toSet());
    }

    private static String describe(Rule candidate, String start, String end, Map<String, Step> reachedVia) {
        List<String> hops = new ArrayList<>();
        for (String workflow = end; !workflow.equals(start); workflow = reachedVia.get(workflow).workflow()) {
            hops.add(" -[" + reachedVia.get(workflow).rule() + "]-> " + workflow);
        }
        Collections.reverse(hops);
        return end + " -[" + candidate.name() + "]-> " + start + String.join("", hops);
    }
}
