package io.baton.problem;

import jakarta.persistence.OptimisticLockException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** Test-only endpoints that fail unexpectedly, to see what a client gets. */
@Path("/test/failing")
public class FailingTestResource {

    @GET
    public String fail() {
        throw new IllegalStateException("secret internal detail at jdbc:postgresql://db/baton");
    }

    @GET
    @Path("lost-race")
    public String loseARace() {
        throw new IllegalStateException("commit failed", new OptimisticLockException("row was updated"));
    }
}
