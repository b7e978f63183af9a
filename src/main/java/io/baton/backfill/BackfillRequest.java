package io.baton.backfill;

/**
 * Body of {@code POST /api/v1/rules/{name}:backfill}: the downstream session dates {@code from} to {@code to} (both
 * included, in the rule's correlation zone) and whether only to plan ({@code dryRun}, default false).
 */
public record BackfillRequest(String from, String to, Boolean dryRun) {
}
