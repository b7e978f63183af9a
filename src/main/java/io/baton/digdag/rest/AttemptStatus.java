package io.baton.digdag.rest;

import io.baton.digdag.client.Attempt;

import java.time.Instant;

/**
 * One attempt of a session as Baton's API shows it.
 *
 * @param status {@code running}, {@code success}, {@code error} or {@code killed}
 * @param url    the attempt's page in Digdag's UI
 */
public record AttemptStatus(String id, int index, String retryAttemptName, String status, boolean done,
                            Instant createdAt, Instant finishedAt, String url) {

    static AttemptStatus of(Attempt attempt, String baseUrl) {
        return new AttemptStatus(attempt.id(), attempt.index(), attempt.retryAttemptName(), attempt.status(),
                attempt.done(), attempt.createdAt(), attempt.finishedAt(), attemptUrl(baseUrl, attempt.id()));
    }

    public static String attemptUrl(String baseUrl, String attemptId) {
        return baseUrl + "/attempts/" + attemptId;
    }
}
