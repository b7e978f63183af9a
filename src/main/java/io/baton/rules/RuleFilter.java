package io.baton.rules;

/**
 * Narrows {@code GET /api/v1/rules}; null fields do not filter. {@code upstream} is {@code server/project/workflow}
 * or {@code event:<type>}, {@code downstream} is {@code server/project/workflow}.
 */
public record RuleFilter(String team, String upstream, String downstream, Boolean enabled) {
}
