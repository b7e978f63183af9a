package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;

/**
 * An entry of a rule's history: the rule's JSON before and after a change ({@code null} when absent), and what it did
 * outside Baton ({@code detail}, e.g. the schedule an adopt disabled).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RuleChange(String rule, RuleAudit.Change action, String actor, OffsetDateTime at, Long version,
                         JsonNode before, JsonNode after, JsonNode detail) {
}
