package io.baton.digdag;

/**
 * The answer of a wait: the task reached the wanted state, or ended (or its attempt ended) in another one.
 *
 * @param reached whether {@code task.state} is {@code wanted}
 */
public record WaitOutcome(boolean reached, String wanted, TaskStatus task) {
}
