package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A CloudEvent another system publishes to Baton's topic or POSTs to Baton; {@code subject} absent = any. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EventCondition(String type, String subject) {
}
