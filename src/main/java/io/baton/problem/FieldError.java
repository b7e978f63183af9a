package io.baton.problem;

/** One bad input field: {@code field} is a JSON path such as {@code upstreams[1].digdag.server}, or a parameter name. */
public record FieldError(String field, String message) {
}
