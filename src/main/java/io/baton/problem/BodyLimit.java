package io.baton.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.List;

/**
 * Answers a request whose declared body exceeds {@code quarkus.http.limits.max-body-size} with a 413 problem+json,
 * before Quarkus' own limit would close it with an empty 413.
 */
@ApplicationScoped
public class BodyLimit {

    /** Just before Quarkus' upload limit handler (RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT = -2). */
    private static final int ORDER = -3;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10M")
    MemorySize maxBodySize;

    @Inject
    ObjectMapper objectMapper;

    void install(@Observes Router router) {
        router.route().order(ORDER).handler(this::check);
    }

    private void check(RoutingContext context) {
        String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length == null || !isTooLarge(length)) {
            context.next();
            return;
        }
        Problem problem = new Problem("about:blank", "Content Too Large", 413,
                "the request body exceeds " + maxBodySize.asLongValue() + " bytes", context.request().path(),
                List.of());
        try {
            context.response().setStatusCode(413)
                    .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
                    .end(objectMapper.writeValueAsString(problem))
                    .onComplete(done -> context.request().connection().close());
        } catch (JsonProcessingException e) {
            context.fail(413, e);
        }
    }

    private boolean isTooLarge(String length) {
        try {
            return Long.parseLong(length) > maxBodySize.asLongValue();
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
