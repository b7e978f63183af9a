package io.baton.digdag.rest;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Start and retry take an optional JSON body: a POST without a Content-Type (as {@code curl -X POST} sends it) is
 * read as JSON rather than refused with a 415.
 */
public class JsonByDefault {

    @ServerRequestFilter(preMatching = true)
    public void jsonWhenUnstated(ContainerRequestContext request) {
        if ("POST".equals(request.getMethod()) && request.getMediaType() == null
                && request.getUriInfo().getPath().startsWith("/api/v1/digdag/")) {
            request.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
        }
    }
}
