package io.baton.notify;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * "{@code project/workflow} must have succeeded by {@code by} in {@code zone} for each of its scheduled sessions": a
 * session is expected when the workflow's Digdag schedule, enabled, plans it; it is due at the first {@code by} at or
 * after its scheduled run time. Alerts (late, failed, not_started, recovered) go to the subscriptions of the workflow
 * and to the alerts topic.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "team", "enabled", "server", "project", "workflow", "by", "zone", "createdAt",
        "updatedAt"})
public record Expectation(String name, String team, Boolean enabled, String server, String project, String workflow,
                          String by, String zone,
                          @JsonProperty(access = JsonProperty.Access.READ_ONLY) OffsetDateTime createdAt,
                          @JsonProperty(access = JsonProperty.Access.READ_ONLY) OffsetDateTime updatedAt) {

    /** The first {@code by} in {@code zone} at or after the session's scheduled run time. */
    public OffsetDateTime dueAfter(OffsetDateTime runTime) {
        ZoneId zoneId = ZoneId.of(zone);
        LocalTime time = LocalTime.parse(by);
        LocalDate day = runTime.atZoneSameInstant(zoneId).toLocalDate();
        ZonedDateTime due = day.atTime(time).atZone(zoneId);
        return (due.toInstant().isBefore(runTime.toInstant()) ? due.plusDays(1) : due).toOffsetDateTime();
    }
}
