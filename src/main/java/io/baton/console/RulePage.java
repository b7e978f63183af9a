package io.baton.console;

import io.baton.rules.RuleChange;

import java.time.LocalDate;
import java.util.List;

/**
 * A rule's page: its definition, where it stands for a session and why, its last sessions and its history.
 *
 * @param definition the rule's JSON, pretty-printed
 * @param mayAct     whether the caller sees the fire-now and retry buttons
 * @param hasRun     whether the session has a run (a retry needs one)
 */
public record RulePage(RuleRow row, String definition, LocalDate date, String zone, List<String> explanation,
                       List<TimelineRow> timeline, List<RuleChange> history, boolean mayAct, boolean hasRun) {

    /**
     * One session of the timeline; minutes count from 00:00 of the session's date in the page's zone and are clamped
     * to that day.
     *
     * @param upstreamMinutes when each satisfied upstream finished
     * @param startMinute     when the downstream started, or null
     * @param deadlineMinute  the deadline, or null without one
     */
    public record TimelineRow(LocalDate date, String state, String stateText, String finishes, String started,
                              List<Integer> upstreamMinutes, Integer startMinute, Integer deadlineMinute) {
    }
}
