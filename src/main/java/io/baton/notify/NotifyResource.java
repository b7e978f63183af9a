package io.baton.notify;

import io.baton.problem.Problem;
import io.baton.problem.StrictJson;
import io.baton.security.Caller;
import io.quarkus.resteasy.reactive.jackson.CustomDeserialization;
import io.quarkus.security.Authenticated;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/**
 * Subscriptions and expectations over REST, with the rules' access model: any valid token reads, an admin or a writer
 * of the owning team writes.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@CustomDeserialization(StrictJson.class)
@Tag(name = "Notifications", description = "Slack and webhook messages on completions, and workflow SLAs")
public class NotifyResource {

    private static final String SUBSCRIPTIONS = "/api/v1/subscriptions/";
    private static final String EXPECTATIONS = "/api/v1/expectations/";

    @Inject
    NotifyService notify;

    @Inject
    ExpectationWatch watch;

    @GET
    @Path("subscriptions")
    @Operation(summary = "Subscriptions by name, optionally of one team")
    public List<Subscription> subscriptions(@QueryParam("team") String team) {
        return notify.subscriptions(team);
    }

    @POST
    @Path("subscriptions")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Create a subscription")
    @APIResponse(responseCode = "400", description = "Invalid; one entry per bad field",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The name is taken",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response createSubscription(Subscription body) {
        return written(SUBSCRIPTIONS, body == null ? null : body.name(),
                notify.putSubscription(body == null ? null : body.name(), body, true));
    }

    @GET
    @Path("subscriptions/{name}")
    @Operation(summary = "Read a subscription")
    public Subscription subscription(@PathParam("name") String name) {
        return notify.subscription(name);
    }

    @PUT
    @Path("subscriptions/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Create or replace a subscription (idempotent)")
    public Response putSubscription(@PathParam("name") String name, Subscription body) {
        return written(SUBSCRIPTIONS, name, notify.putSubscription(name, body, false));
    }

    @DELETE
    @Path("subscriptions/{name}")
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Delete a subscription; its waiting messages are dropped")
    public void deleteSubscription(@PathParam("name") String name) {
        notify.deleteSubscription(name);
    }

    @GET
    @Path("expectations")
    @Operation(summary = "Expectations by name, optionally of one team")
    public List<Expectation> expectations(@QueryParam("team") String team) {
        return notify.expectations(team);
    }

    @POST
    @Path("expectations")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Create an expectation")
    public Response createExpectation(Expectation body) {
        return written(EXPECTATIONS, body == null ? null : body.name(),
                notify.putExpectation(body == null ? null : body.name(), body, true));
    }

    @GET
    @Path("expectations/{name}")
    @Operation(summary = "Read an expectation")
    public Expectation expectation(@PathParam("name") String name) {
        return notify.expectation(name);
    }

    @PUT
    @Path("expectations/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Create or replace an expectation (idempotent)")
    public Response putExpectation(@PathParam("name") String name, Expectation body) {
        return written(EXPECTATIONS, name, notify.putExpectation(name, body, false));
    }

    @DELETE
    @Path("expectations/{name}")
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Delete an expectation and what it recorded")
    public void deleteExpectation(@PathParam("name") String name) {
        notify.deleteExpectation(name);
    }

    @GET
    @Path("expectations/{name}/sessions")
    @Operation(summary = "The sessions the workflow's schedule planned, newest first, with their state: expected, "
            + "succeeded, late, failed, not_started, recovered, not_expected or expired")
    public List<ExpectationWatch.ExpectedSession> sessions(@PathParam("name") String name) {
        notify.expectation(name);
        return watch.sessions(name);
    }

    private static Response written(String base, String name, NotifyService.Written<?> written) {
        Response.ResponseBuilder response = written.created()
                ? Response.created(UriBuilder.fromPath(base).path(name).build()) : Response.ok();
        return response.entity(written.value()).build();
    }
}
