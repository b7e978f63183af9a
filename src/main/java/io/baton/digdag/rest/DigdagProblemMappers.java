package io.baton.digdag.rest;

import io.baton.digdag.client.DigdagException;
import io.baton.digdag.client.DigdagNotFoundException;
import io.baton.digdag.client.DigdagUnavailableException;
import io.baton.problem.ProblemException;
import io.baton.problem.ProblemMappers;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;

/** Digdag's own errors as problems: its 404 stays a 404, an unreachable server is a 502, other refusals a 409. */
public class DigdagProblemMappers {

    private static final ProblemMappers PROBLEMS = new ProblemMappers();

    @ServerExceptionMapper
    public Response digdag(DigdagException e, UriInfo uri) {
        ProblemException problem;
        if (e instanceof DigdagNotFoundException) {
            problem = ProblemException.notFound(e.getMessage());
        } else if (e instanceof DigdagUnavailableException) {
            problem = new ProblemException("urn:baton:problem:digdag-unavailable", 502, "Bad Gateway",
                    e.getMessage(), List.of());
        } else {
            problem = new ProblemException("urn:baton:problem:digdag-refused", 409, "Conflict",
                    "Digdag refused: " + e.getMessage(), List.of());
        }
        return PROBLEMS.problem(problem, uri);
    }
}
