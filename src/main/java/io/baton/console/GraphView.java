package io.baton.console;

import java.util.List;

/**
 * The dependency graph as the console draws it: workflows, tasks and event types as nodes, rules as edges coloured
 * by their state on the chosen day.
 */
public record GraphView(List<Node> nodes, List<Edge> edges) {

    /** @param group the team whose rule starts the node's workflow, else its project (or {@code events}) */
    public record Node(String id, String label, String kind, String group) {
    }

    public record Edge(String id, String source, String target, String rule, String team, String state,
                       String stateText) {
    }
}
