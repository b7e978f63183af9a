package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How an upstream attempt or task must end. */
public enum Outcome {
    @JsonProperty("success") SUCCESS,
    @JsonProperty("failure") FAILURE,
    /** Either way. */
    @JsonProperty("finished") FINISHED;

    public boolean isSatisfiedBy(boolean succeeded) {
        return this == FINISHED || succeeded == (this == SUCCESS);
    }
}
