package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Whether all upstreams or any one of them must be satisfied. */
public enum Match {
    @JsonProperty("all") ALL,
    @JsonProperty("any") ANY
}
