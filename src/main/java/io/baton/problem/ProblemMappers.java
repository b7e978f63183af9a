package io.baton.problem;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.persistence.OptimisticLockException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.hibernate.StaleStateException;
import org.hibernate.exception.ConstraintViolationException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns every exception that leaves a REST resource into {@code application/problem+json}: bad JSON and wrong types
 * name the field, security failures become 401/403, lost optimistic-lock races 409, and anything unexpected a 500
 * without internals.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return respond(e.toProblem(path(uri)));
    }

    /**
     * Jackson rethrows these as they are: unknown fields, wrong types, bad enum values, an empty body. The priority puts
     * this ahead of Quarkus' built-in mapper for the same type.
     */
    @ServerExceptionMapper(priority = 1)
    public Response mismatchedInput(MismatchedInputException e, UriInfo uri) {
        return respond(fromJson(e, uri));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        if (e.getCause() instanceof JsonProcessingException json) {
            return respond(fromJson(json, uri));
        }
        Response.StatusType status = e.getResponse().getStatusInfo();
        return respond(new Problem("about:blank", status.getReasonPhrase(), status.getStatusCode(),
                detail(e, status), path(uri), List.of()));
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(RuntimeException e, UriInfo uri) {
        return respondBuilder(new Problem("about:blank", "Unauthorized", 401,
                "a valid bearer token is required", path(uri), List.of()))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return respond(ProblemException.forbidden("the token's roles do not allow this operation").toProblem(path(uri)));
    }

    /** Last resort. A lost race on a version or unique key is a conflict, everything else a 500 without internals. */
    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof OptimisticLockException || cause instanceof StaleStateException
                    || cause instanceof ConstraintViolationException) {
                return respond(ProblemException.conflict("a concurrent change won; read the resource again and retry",
                        List.of()).toProblem(path(uri)));
            }
        }
        LOG.errorf(e, "Unexpected error on %s", path(uri));
        return respond(new Problem("about:blank", "Internal Server Error", 500,
                "unexpected error; the server log has the details", path(uri), List.of()));
    }

    private static Problem fromJson(JsonProcessingException e, UriInfo uri) {
        String field = e instanceof JsonMappingException mapping ? fieldPath(mapping) : "";
        String message;
        InputRejected rejected = rejection(e);
        if (rejected != null) {
            field = rejected.field();
            message = rejected.reason();
        } else if (e instanceof UnrecognizedPropertyException unknown) {
            field = field.isEmpty() ? unknown.getPropertyName() : field;
            message = "unknown field";
        } else if (e instanceof InvalidFormatException format && format.getTargetType().isEnum()) {
            message = describe(format.getValue()) + " is not one of " + enumNames(format.getTargetType());
        } else if (e instanceof InvalidFormatException format) {
            message = "cannot read " + describe(format.getValue()) + " as " + typeName(format.getTargetType());
        } else if (e instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null) {
            message = "expected " + typeName(mismatched.getTargetType());
        } else {
            message = "malformed JSON" + location(e.getLocation());
        }
        FieldError error = new FieldError(field.isEmpty() ? "body" : field, message);
        return ProblemException.invalid(List.of(error)).toProblem(path(uri));
    }

    /** The bound that failed, also when Jackson wrapped it on its way out of a field's deserializer. */
    private static InputRejected rejection(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof InputRejected rejected) {
                return rejected;
            }
        }
        return null;
    }

    /** The JSON names of an enum's constants, e.g. {@code [all, any]}. */
    private static String enumNames(Class<?> type) {
        return Arrays.stream(type.getFields()).filter(Field::isEnumConstant)
                .map(constant -> constant.isAnnotationPresent(JsonProperty.class)
                        ? constant.getAnnotation(JsonProperty.class).value() : constant.getName())
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /** A JSON path such as {@code upstreams[1].digdag.server}. */
    private static String fieldPath(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String typeName(Class<?> type) {
        if (CharSequence.class.isAssignableFrom(type)) {
            return "a string";
        }
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }

    private static String describe(Object value) {
        String text = String.valueOf(value);
        return "'" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'";
    }

    private static String location(JsonLocation location) {
        return location == null || location.getLineNr() < 0 ? ""
                : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static String detail(WebApplicationException e, Response.StatusType status) {
        String message = e.getMessage();
        return message == null || message.startsWith("HTTP " + status.getStatusCode()) ? null : message;
    }

    private static String path(UriInfo uri) {
        return uri == null ? null : uri.getRequestUri().getRawPath();
    }

    private static Response respond(Problem problem) {
        return respondBuilder(problem).build();
    }

    private static Response.ResponseBuilder respondBuilder(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem);
    }
}
