package io.baton.rules;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;

/** An entry of a rule's history: the rule's JSON before and after a change ({@code null} when absent). */
public record RuleChange(String rule, RuleAudit.Change action, String actor, OffsetDateTime at, Long version,
                         JsonNode before, JsonNode after) {
}
