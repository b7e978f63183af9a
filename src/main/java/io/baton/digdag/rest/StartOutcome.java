package io.baton.digdag.rest;

/**
 * What a start or retry did.
 *
 * @param created false when Digdag already had the attempt (a repeated start): {@code attempt} is the existing one
 */
public record StartOutcome(boolean created, String server, String project, String workflow, String sessionTime,
                           AttemptStatus attempt) {
}
