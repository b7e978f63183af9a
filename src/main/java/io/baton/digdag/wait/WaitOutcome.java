package io.baton.digdag.wait;

import io.baton.digdag.rest.TaskStatus;

/**
 * The answer of a wait: the task reached the wanted state, or ended (or its attempt ended) in another one.
 *
 * @param reached whether {@code task.state} is {@code wanted}
 */
public record WaitOutcome(boolean reached, String wanted, TaskStatus task) {
}
