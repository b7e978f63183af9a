package io.baton.problem;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** Test-only endpoint that fails unexpectedly, to see what a client gets. */
@Path("/test/failing")
public class FailingTestResource {

    @GET
    public String fail() {
        throw new IllegalStateException("secret internal detail at jdbc:postgresql://db/baton");
    }
}
