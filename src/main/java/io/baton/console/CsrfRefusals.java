package io.baton.console;

import io.baton.problem.Problem;
import io.baton.problem.ProblemException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * quarkus-rest-csrf refuses a form post without the console's CSRF token with a bare 400; this says why, as every
 * other refusal of Baton does (a problem naming the field).
 */
public class CsrfRefusals {

    @ServerResponseFilter
    public void explain(ContainerRequestContext request, ContainerResponseContext response) {
        if (response.getStatus() == 400 && !response.hasEntity() && isForm(request.getMediaType())) {
            Problem problem = ProblemException.invalid("csrf-token", "a form post needs the console's CSRF token; "
                    + "API clients send JSON or no body").toProblem(request.getUriInfo().getRequestUri().getRawPath());
            response.setEntity(problem, null, MediaType.valueOf(Problem.MEDIA_TYPE));
        }
    }

    private static boolean isForm(MediaType type) {
        return type != null && (type.isCompatible(MediaType.APPLICATION_FORM_URLENCODED_TYPE)
                || type.isCompatible(MediaType.MULTIPART_FORM_DATA_TYPE)) && !type.isWildcardType();
    }
}
