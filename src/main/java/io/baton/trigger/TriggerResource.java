package io.baton.trigger;

import io.baton.problem.Problem;
import io.baton.problem.ProblemException;
import io.baton.problem.StrictJson;
import io.baton.rules.RuleService;
import io.baton.rules.RulesConfig;
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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/** What the engine did and why: runs, explanations, manual fire, and external events. */
@Path("/api/v1")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class TriggerResource {

    @Inject
    TriggerService triggers;

    @Inject
    ExternalEvents externalEvents;

    @Inject
    RuleService rules;

    @Inject
    Caller caller;

    @Inject
    RealStarts realStarts;

    @Inject
    RulesConfig pages;

    @GET
    @Path("rules/{name}/runs")
    @Operation(summary = "Runs of a rule per downstream session in [from, to), newest first, a page at a time: "
            + "upstreams satisfied, firing, attempt; beside a shadow run, the downstream's real start")
    public List<Explanation> runs(@PathParam("name") String name, @QueryParam("from") String from,
                                  @QueryParam("to") String to,
                                  @Parameter(description = "from 0") @QueryParam("page") String page,
                                  @QueryParam("size") String size) {
        var rule = rules.get(name);
        OffsetDateTime start = from == null ? null : TriggerService.sessionTime(rule, "from", from);
        OffsetDateTime end = to == null ? null : TriggerService.sessionTime(rule, "to", to);
        if (start != null && end != null && !end.isAfter(start)) {
            throw ProblemException.invalid("to", "must be after from (" + from + ")");
        }
        return realStarts.attach(rule, triggers.runs(name, start, end, pages.page(page), pages.size(size)));
    }

    @GET
    @Path("rules/{name}/explain")
    @Operation(summary = "Why a rule has or has not fired for a session (a date such as 2026-11-24 or a timestamp)")
    public Explanation explain(@PathParam("name") String name, @QueryParam("session") String session) {
        return triggers.explain(name, session);
    }

    @POST
    @Path("rules/{name}/fire")
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Fire a rule by hand for a session; a session fires once, however it is asked (409 after)")
    public Response fire(@PathParam("name") String name, @QueryParam("session") String session) {
        caller.requireWriterOf(rules.get(name).team());
        TriggerRun run = triggers.fire(name, session, caller.name());
        return Response.status(Response.Status.CREATED).entity(triggers.explain(name, run.correlationKey)).build();
    }

    @POST
    @Path("events")
    @Consumes({MediaType.APPLICATION_JSON, "application/cloudevents+json"})
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @CustomDeserialization(StrictJson.class)
    @Operation(summary = "Publish an external CloudEvent (structured JSON) for rules to wait on; identified by source "
            + "and id")
    @APIResponse(responseCode = "202", description = "Accepted; it goes to the events topic")
    @APIResponse(responseCode = "400", description = "Invalid event; one entry per bad field",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "403", description = "The type is claimed by another team, or the source is reserved "
            + "(a Digdag server's or Baton's)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response publish(ExternalEvents.CloudEvent event) {
        return Response.accepted(Map.of("id", externalEvents.accept(event))).build();
    }
}
