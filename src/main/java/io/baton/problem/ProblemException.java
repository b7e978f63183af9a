package io.baton.problem;

import jakarta.ws.rs.core.Response.Status;

import java.util.List;

/**
 * Ends a request with a problem+json response. Throw it from any service or resource of Baton; the factories cover
 * the common cases.
 */
public class ProblemException extends RuntimeException {

    public static final String INVALID = "urn:baton:problem:invalid-request";
    public static final String CONFLICT = "urn:baton:problem:conflict";

    private final String type;
    private final int status;
    private final String title;
    private final List<FieldError> errors;

    public ProblemException(String type, int status, String title, String detail, List<FieldError> errors) {
        super(detail);
        this.type = type;
        this.status = status;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    public ProblemException(int status, String title, String detail, List<FieldError> errors) {
        this("about:blank", status, title, detail, errors);
    }

    public static ProblemException invalid(List<FieldError> errors) {
        return new ProblemException(INVALID, 400, "Invalid request",
                errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message()
                        : errors.size() + " fields are invalid", errors);
    }

    public static ProblemException invalid(String field, String message) {
        return invalid(List.of(new FieldError(field, message)));
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, Status.NOT_FOUND.getReasonPhrase(), detail, List.of());
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(403, Status.FORBIDDEN.getReasonPhrase(), detail, List.of());
    }

    public static ProblemException conflict(String detail, List<FieldError> errors) {
        return new ProblemException(CONFLICT, 409, Status.CONFLICT.getReasonPhrase(), detail, errors);
    }

    public Problem toProblem(String instance) {
        return new Problem(type, title, status, getMessage(), instance, errors);
    }

    public int status() {
        return status;
    }
}
