package io.baton.rules;

/** Body of {@code PATCH /api/v1/rules/{name}}; {@code version} optional (optimistic locking). */
public record RuleEnablement(Boolean enabled, Long version) {
}
