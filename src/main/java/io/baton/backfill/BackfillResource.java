package io.baton.backfill;

import io.baton.problem.StrictJson;
import io.baton.rules.Rule;
import io.baton.rules.RuleService;
import io.baton.security.Caller;
import io.quarkus.resteasy.reactive.jackson.CustomDeserialization;
import io.quarkus.security.Authenticated;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Backfills of a rule: start (or plan) the sessions of a date range that never ran, and follow their progress. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@CustomDeserialization(StrictJson.class)
@Tag(name = "Rules")
public class BackfillResource {

    @Inject
    BackfillService backfills;

    @Inject
    RuleService rules;

    @Inject
    Caller caller;

    @POST
    @Path("rules/{name}:backfill")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Backfill a rule over session dates [from, to] (at most 366): start the sessions whose "
            + "upstreams held and that never ran, through admission control; dryRun only plans. 202, then follow "
            + "the Location")
    public Response backfill(@PathParam("name") String name, BackfillRequest request) {
        Rule rule = rules.get(name);
        caller.requireWriterOf(rule.team());
        Backfill backfill = backfills.request(rule, request, caller.name());
        return Response.accepted(backfill).location(UriBuilder.fromPath("/api/v1/rules/{name}/backfills/{id}")
                .build(rule.name(), backfill.id())).build();
    }

    @GET
    @Path("rules/{name}/backfills/{id}")
    @Operation(summary = "A backfill's plan and progress")
    public Backfill get(@PathParam("name") String name, @PathParam("id") long id) {
        return backfills.get(rules.get(name).name(), id);
    }
}
