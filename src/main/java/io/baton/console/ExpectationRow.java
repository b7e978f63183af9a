package io.baton.console;

/**
 * One expectation's session on the Today page, in the state the notify package's {@code ExpectationWatch} recorded
 * (the console evaluates nothing itself).
 *
 * @param state       a CSS class: expected, succeeded, late, failed, not_started, recovered, not_expected, expired
 * @param stateText   what the row says: pending, met, late, failed, not started, recovered, not expected, expired
 * @param sessionTime Digdag's session time, or null when the schedule planned no session that day
 * @param due         when the session is due, {@code HH:mm zone}
 */
public record ExpectationRow(String name, String team, String workflow, String sessionTime, String due, String state,
                             String stateText, String attemptId) {

    /** The text of a recorded session state; a day with no planned session is not expected. */
    static String text(String state) {
        return switch (state) {
            case "expected" -> "pending";
            case "succeeded" -> "met";
            default -> state.replace('_', ' ');
        };
    }
}
