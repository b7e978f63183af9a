package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which upstream sessions belong together. */
public enum CorrelateBy {
    /** The very same session instant. */
    @JsonProperty("session_time") SESSION_TIME,
    /** The same calendar date of the session time in the correlation's zone. */
    @JsonProperty("session_date") SESSION_DATE
}
