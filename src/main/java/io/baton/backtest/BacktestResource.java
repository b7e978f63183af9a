package io.baton.backtest;

import io.baton.problem.StrictJson;
import io.quarkus.resteasy.reactive.jackson.CustomDeserialization;
import io.quarkus.security.Authenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** What a rule would have done on Digdag's history. Reading rules is enough: a backtest changes nothing. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@CustomDeserialization(StrictJson.class)
@Tag(name = "Rules")
public class BacktestResource {

    @Inject
    BacktestService backtests;

    @POST
    @Path("rules:backtest")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replay a rule (stored, by name, or a body) over Digdag's history between two dates")
    public Backtest backtest(BacktestRequest request) {
        return backtests.run(request);
    }
}
