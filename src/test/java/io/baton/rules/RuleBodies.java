package io.baton.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Rule bodies as plain maps, so a test can break any field of them. */
final class RuleBodies {

    private RuleBodies() {
    }

    /** A name no other test uses. */
    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** {@code team}'s rule: when {@code main/<upstreamProject>/etl} succeeded, start {@code main/<downstream>/report}. */
    static Map<String, Object> rule(String name, String team, String upstreamProject, String downstreamProject) {
        Map<String, Object> rule = new HashMap<>();
        rule.put("name", name);
        rule.put("team", team);
        rule.put("upstreams", new ArrayList<>(List.of(digdag(upstreamProject, "etl", null))));
        rule.put("action", new HashMap<>(Map.of("server", "main", "project", downstreamProject, "workflow", "report")));
        return rule;
    }

    static Map<String, Object> digdag(String project, String workflow, String task) {
        Map<String, Object> condition = new HashMap<>(Map.of("server", "main", "project", project,
                "workflow", workflow));
        if (task != null) {
            condition.put("task", task);
        }
        return new HashMap<>(Map.of("digdag", condition));
    }

    /** A rule chaining {@code main/<from>/<fromWorkflow>} to {@code main/<to>/<toWorkflow>}. */
    static Map<String, Object> chain(String name, String team, String from, String fromWorkflow, String to,
                                     String toWorkflow) {
        Map<String, Object> rule = rule(name, team, from, to);
        rule.put("upstreams", List.of(digdag(from, fromWorkflow, null)));
        rule.put("action", Map.of("server", "main", "project", to, "workflow", toWorkflow));
        return rule;
    }
}
