package io.baton.digdag.client;

/**
 * Outcome of starting an attempt. {@code created} is false when the session (or the named retry) already existed:
 * Digdag answered 409 and {@code attempt} is the attempt it already has, so a start can be repeated safely.
 */
public record StartResult(Attempt attempt, boolean created) {
}
