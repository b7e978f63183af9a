package io.baton.console;

import java.time.LocalDate;
import java.util.List;

/** The Today page: one row per rule for a session date, optionally one team's, and the expectations' sessions. */
public record TodayView(LocalDate date, String team, List<String> teams, List<RuleRow> rows,
                        List<ExpectationRow> expectations) {
}
