package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cross-team dependency graph: nodes are workflows, tasks and external events; each rule draws an edge from
 * every upstream to its downstream workflow.
 */
public record DependencyGraph(List<Node> nodes, List<Edge> edges) {

    public enum Kind {
        @JsonProperty("workflow") WORKFLOW,
        @JsonProperty("task") TASK,
        @JsonProperty("event") EVENT
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Node(String id, Kind kind, String server, String project, String workflow, String task,
                       String type, String subject) {
    }

    /** {@code condition}: the rule's CEL condition, if it has one; {@code filter}: the upstream's CEL filter. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Edge(String from, String to, String rule, String team, boolean enabled, String condition,
                       String filter) {

        /** The rule's name, then its condition (the expression is what the edge means) and the upstream's filter. */
        String label() {
            return rule + (condition == null ? "" : ": " + condition) + (filter == null ? "" : " [" + filter + "]");
        }
    }

    static DependencyGraph of(List<Rule> rules) {
        Map<String, Node> nodes = new LinkedHashMap<>();
        List<Edge> edges = new ArrayList<>();
        for (Rule rule : rules) {
            Action action = rule.action();
            Node downstream = new Node(action.workflowKey(), Kind.WORKFLOW, action.server(), action.project(),
                    action.workflow(), null, null, null);
            nodes.putIfAbsent(downstream.id(), downstream);
            for (Upstream upstream : rule.upstreams()) {
                Node node = node(upstream);
                nodes.putIfAbsent(node.id(), node);
                edges.add(new Edge(node.id(), downstream.id(), rule.name(), rule.team(), rule.enabled(),
                        rule.condition(), upstream.filter()));
            }
        }
        return new DependencyGraph(List.copyOf(nodes.values()), edges);
    }

    private static Node node(Upstream upstream) {
        DigdagCondition digdag = upstream.digdag();
        if (digdag == null) {
            EventCondition event = upstream.event();
            String id = "event:" + event.type() + (event.subject() == null ? "" : ":" + event.subject());
            return new Node(id, Kind.EVENT, null, null, null, null, event.type(), event.subject());
        }
        return digdag.task() == null
                ? new Node(digdag.workflowKey(), Kind.WORKFLOW, digdag.server(), digdag.project(), digdag.workflow(),
                        null, null, null)
                : new Node(digdag.workflowKey() + ":" + digdag.task(), Kind.TASK, digdag.server(), digdag.project(),
                        digdag.workflow(), digdag.task(), null, null);
    }

    /**
     * Mermaid flowchart text; events are drawn as stadiums, disabled rules as dotted edges, and an edge is labelled
     * with its rule and, for a rule with a condition, that expression.
     */
    public String mermaid() {
        StringBuilder text = new StringBuilder("flowchart LR\n");
        Map<String, String> ids = new HashMap<>();
        for (Node node : nodes) {
            String id = "n" + ids.size();
            ids.put(node.id(), id);
            String label = escape(node.kind() == Kind.EVENT ? node.id() : node.id().replace(":", " "));
            text.append("  ").append(id).append(node.kind() == Kind.EVENT ? "([\"" : "[\"").append(label)
                    .append(node.kind() == Kind.EVENT ? "\"])" : "\"]").append('\n');
        }
        for (Edge edge : edges) {
            text.append("  ").append(ids.get(edge.from())).append(edge.enabled() ? " -->|" : " -.->|")
                    .append(escape(edge.label())).append("| ").append(ids.get(edge.to())).append('\n');
        }
        return text.toString();
    }

    /** Mermaid entity codes, so names can never break out of a label. */
    private static String escape(String text) {
        return text.replace("#", "#35;").replace("\"", "#quot;").replace("<", "#lt;").replace(">", "#gt;")
                .replace("|", "#124;");
    }
}
