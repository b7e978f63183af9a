package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Whether a rule starts its downstream ({@code active}) or only records when it would have ({@code shadow}). */
public enum RuleMode {
    @JsonProperty("active") ACTIVE,
    /** Evaluated live like an active rule, but every fire is only recorded (ledger outcome {@code shadow}). */
    @JsonProperty("shadow") SHADOW
}
