package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What the action does when the downstream session already has a failed attempt. */
public enum IfFailed {
    /** Start only; any existing attempt of the session counts as done. */
    @JsonProperty("none") NONE,
    /** Start a new attempt of the whole workflow under a fresh retry name. */
    @JsonProperty("retry") RETRY,
    /** Resume the failed attempt: succeeded tasks are kept, failed ones run again. */
    @JsonProperty("resume_failed") RESUME_FAILED
}
