package io.baton.console;

import java.util.List;

/**
 * One rule on one day, as the Today page and the graph show it.
 *
 * @param state     a CSS class and the graph's colour: waiting, ready, starting, fired, failed, missed, expired, disabled
 * @param stateText what the row says, e.g. {@code waiting 1 of 2} or {@code fired at 06:12}
 * @param latency   from the last upstream's finish to the downstream start, e.g. {@code 1.3 s}; null before a start
 */
public record RuleRow(String name, String team, String description, String downstream, String state,
                      String stateText, String attemptId, String attemptUrl, String latency, String deadline,
                      List<UpstreamCell> upstreams) {

    /**
     * One upstream condition of the row.
     *
     * @param state succeeded, running, waiting or late
     * @param text  e.g. {@code succeeded at 06:12}, {@code running}, {@code not started · 25 min late}
     */
    public record UpstreamCell(String id, String label, String state, String text) {
    }
}
