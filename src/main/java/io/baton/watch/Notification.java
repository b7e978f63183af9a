package io.baton.watch;

import io.baton.problem.FieldError;
import io.baton.problem.InputLimits;

import java.util.ArrayList;
import java.util.List;

/**
 * What a Digdag workflow's {@code http>} task posts when something ended: only which attempt to read. Digdag sends
 * every value as a string.
 *
 * @param attemptId the attempt's id ({@code ${attempt_id}})
 * @param task      the notifying task's full name ({@code ${task_name}}), for the log only: states are read from Digdag
 */
public record Notification(String attemptId, String task) {

    private static final int MAX_ID_DIGITS = 18;

    /** The body's problems, empty when it names an attempt. */
    List<FieldError> errors() {
        List<FieldError> errors = new ArrayList<>();
        if (attemptId == null) {
            errors.add(new FieldError("attemptId", "is required"));
        } else if (!attemptId.matches("[0-9]{1," + MAX_ID_DIGITS + "}")) {
            errors.add(new FieldError("attemptId", "must be a Digdag attempt id: 1 to " + MAX_ID_DIGITS + " digits"));
        }
        if (task != null) {
            InputLimits.text(errors, "task", task, InputLimits.MAX_PARAMETER_LENGTH);
        }
        return errors;
    }
}
