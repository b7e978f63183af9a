package io.baton.digdag.client;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * Digdag's RestSchedule (GET) and RestScheduleSummary (the answers of disable, enable and skip, which add
 * {@code createdAt} and {@code updatedAt}; Digdag never moves {@code updatedAt} from {@code createdAt}).
 *
 * @param workflow         the definition id of the project's latest revision
 * @param nextRunTime      when the next session starts; stays at a missed slot, in the past, while disabled
 * @param nextScheduleTime the next session's time, in the workflow's zone (start of the day for {@code daily>})
 * @param disabledAt       null while enabled
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Schedule(String id, ProjectRef project, IdAndName workflow, Instant nextRunTime,
                       @JsonFormat(shape = JsonFormat.Shape.STRING, pattern = SessionTimes.PATTERN,
                               without = JsonFormat.Feature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                       OffsetDateTime nextScheduleTime,
                       Instant disabledAt,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Instant createdAt,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Instant updatedAt) {

    /** Digdag's {@code {"id":..., "name":...}} of a schedule's workflow. */
    public record IdAndName(String id, String name) {
    }

    public boolean disabled() {
        return disabledAt != null;
    }

    /** The GET form, without {@code createdAt} and {@code updatedAt}. */
    public Schedule withoutTimestamps() {
        return new Schedule(id, project, workflow, nextRunTime, nextScheduleTime, disabledAt, null, null);
    }
}
