package io.baton.console;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;

/**
 * An event of the console's live feed: a Digdag completion, a trigger outcome, an alert or an external event, with
 * what the events page shows and filters on.
 *
 * @param kind     completion, trigger, alert or event (external)
 * @param teams    the rule's team (triggers, alerts) or the teams whose rules wait on it (completions, events)
 * @param rules    the rules it concerns, whose rows a live page refreshes
 * @param summary  one line for people
 * @param link     the Digdag attempt it names, or null
 */
public record FeedEvent(String id, OffsetDateTime time, String kind, String type, String project, Set<String> teams,
                        List<String> rules, String summary, String link) {

    public static final String COMPLETION = "completion";
    public static final String TRIGGER = "trigger";
    public static final String ALERT = "alert";
    public static final String EXTERNAL = "event";

    /** The time of day in UTC, to the second. */
    public String clock() {
        return time.atZoneSameInstant(ZoneOffset.UTC).toLocalTime().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Whether the event passes the events page's filters; a null filter passes everything. */
    public boolean matches(String team, String project, String kind) {
        return (team == null || teams.contains(team)) && (project == null || project.equals(this.project))
                && (kind == null || kind.equals(this.kind));
    }

    /** The summary of a record's data, by kind. */
    static String summarize(String kind, String type, String subject, JsonNode data) {
        String outcome = type.substring(type.lastIndexOf('.') + 1);
        return switch (kind) {
            case COMPLETION -> text(data, "project") + "/" + text(data, "workflow")
                    + (data.hasNonNull("task") ? " " + text(data, "task") : "") + " " + outcome + " · session "
                    + text(data, "sessionTime") + " · attempt " + text(data, "attemptId");
            case TRIGGER -> "rule " + text(data, "rule") + ": " + outcome + " " + text(data, "project") + "/"
                    + text(data, "workflow") + " · session " + text(data, "sessionTime")
                    + (data.hasNonNull("attemptId") ? " · attempt " + text(data, "attemptId") : "")
                    + (data.hasNonNull("error") ? " · " + text(data, "error") : "");
            case ALERT -> data.hasNonNull("deadline")
                    ? "rule " + text(data, "rule") + " missed its deadline " + text(data, "deadline") + " · missing "
                    + String.join(", ", strings(data.path("missing")))
                    : "rule " + text(data, "rule") + ": " + outcome + (data.hasNonNull("error") ? " · "
                    + text(data, "error") : "");
            default -> type + (subject == null ? "" : " " + subject);
        };
    }

    static String text(JsonNode data, String field) {
        return data.path(field).asText("");
    }

    static List<String> strings(JsonNode array) {
        return array.isArray() ? StreamSupport.stream(array.spliterator(), false)
                .map(JsonNode::asText).toList() : List.of();
    }
}
