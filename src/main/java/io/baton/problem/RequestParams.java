package io.baton.problem;

import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks every path and query parameter of every Baton endpoint against {@link InputLimits} before the resource
 * sees it: a NUL in a rule name would otherwise reach PostgreSQL, and a parameter never needs a control character.
 */
public class RequestParams {

    @ServerRequestFilter
    public void check(UriInfo uri) {
        List<FieldError> errors = new ArrayList<>();
        check(errors, uri.getPathParameters());
        check(errors, uri.getQueryParameters());
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
    }

    private static void check(List<FieldError> errors, MultivaluedMap<String, String> parameters) {
        parameters.forEach((name, values) -> {
            if (InputLimits.badCharacters(name, false) != null) {
                errors.add(new FieldError("parameters", "a parameter name contains control characters"));
                return;
            }
            values.forEach(value -> InputLimits.text(errors, name, value, InputLimits.MAX_PARAMETER_LENGTH));
        });
    }
}
