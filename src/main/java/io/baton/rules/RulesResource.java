package io.baton.rules;

import io.baton.problem.Problem;
import io.baton.problem.ProblemException;
import io.baton.problem.QueryParams;
import io.baton.problem.StrictJson;
import io.baton.security.Caller;
import io.quarkus.resteasy.reactive.jackson.CustomDeserialization;
import io.quarkus.security.Authenticated;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponseSchema;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Dependency rules over REST. Any valid bearer token may read; writing needs {@code baton-writer} (own team's rules)
 * or {@code baton-admin}. Write responses carry the rule's version as ETag; {@code If-Match} (or the body's
 * {@code version}) makes a write conditional.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@CustomDeserialization(StrictJson.class)
@Tag(name = "Rules", description = "Dependency rules: when upstreams succeeded for the same session, start a workflow")
public class RulesResource {

    private static final String MERGE_PATCH = "application/merge-patch+json";

    @Inject
    RuleService rules;

    @Inject
    RulesConfig config;

    @GET
    @Path("rules")
    @Operation(summary = "List rules, by name, optionally filtered")
    public Page<Rule> list(@QueryParam("team") String team,
                           @Parameter(description = "server/project/workflow, or event:<type>", example = "main/game/etl")
                           @QueryParam("upstream") String upstream,
                           @Parameter(description = "server/project/workflow", example = "main/bi/daily_report")
                           @QueryParam("downstream") String downstream,
                           @QueryParam("enabled") String enabled,
                           @Parameter(description = "from 0") @QueryParam("page") String page,
                           @QueryParam("size") String size) {
        RuleFilter filter = new RuleFilter(team, upstream, downstream, QueryParams.bool("enabled", enabled));
        return rules.list(filter, config.page(page), config.size(size));
    }

    @POST
    @Path("rules")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Register a new rule")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = Rule.class), examples = {
            @ExampleObject(name = "bi-daily-report", value = RuleExamples.BI_DAILY_REPORT),
            @ExampleObject(name = "resume-failed", value = RuleExamples.RESUME_FAILED),
            @ExampleObject(name = "expressions", value = RuleExamples.EXPRESSIONS)}))
    @APIResponseSchema(value = Rule.class, responseCode = "201", responseDescription = "Created")
    @APIResponse(responseCode = "400", description = "Invalid rule; one entry per bad field",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The name is taken",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response create(Rule body) {
        Rule rule = rules.create(body);
        return withVersion(Response.created(location(rule.name())), rule).build();
    }

    @POST
    @Path("rules:validate")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Check a rule as PUT would, without storing it; returns it with its defaults")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = Rule.class), examples =
            @ExampleObject(name = "bi-daily-report", value = RuleExamples.BI_DAILY_REPORT)))
    public Rule validate(Rule body) {
        return rules.validate(body);
    }

    @GET
    @Path("rules/{name}")
    @Operation(summary = "Read a rule")
    @APIResponseSchema(value = Rule.class, responseCode = "200", responseDescription = "The rule; ETag = version")
    @APIResponse(responseCode = "404", description = "No such rule",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response get(@PathParam("name") String name) {
        Rule rule = rules.get(name);
        return withVersion(Response.ok(), rule).build();
    }

    @PUT
    @Path("rules/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Create or replace a rule (idempotent)")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = Rule.class), examples =
            @ExampleObject(name = "bi-daily-report", value = RuleExamples.BI_DAILY_REPORT)))
    @APIResponseSchema(value = Rule.class, responseCode = "200", responseDescription = "Replaced, or unchanged")
    @APIResponse(responseCode = "201", description = "Created")
    @APIResponse(responseCode = "400", description = "Invalid rule; one entry per bad field",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "If-Match or version is stale",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response put(@PathParam("name") String name,
                        @Parameter(description = "the version read, e.g. \"3\"") @HeaderParam(HttpHeaders.IF_MATCH)
                        String ifMatch, Rule body) {
        RuleService.Written written = rules.put(name, body, expectedVersion(ifMatch, body == null ? null
                : body.version()));
        Response.ResponseBuilder response = written.created() ? Response.created(location(name)) : Response.ok();
        return withVersion(response, written.rule()).build();
    }

    @PATCH
    @Path("rules/{name}")
    @Consumes({MediaType.APPLICATION_JSON, MERGE_PATCH})
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Enable or disable a rule")
    @APIResponseSchema(value = Rule.class, responseCode = "200", responseDescription = "The rule")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = RuleEnablement.class),
            examples = @ExampleObject(name = "disable", value = RuleExamples.ENABLEMENT)))
    public Response setEnabled(@PathParam("name") String name, @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch,
                               RuleEnablement body) {
        if (body == null || body.enabled() == null) {
            throw ProblemException.invalid("enabled", "is required");
        }
        Rule rule = rules.setEnabled(name, body.enabled(), expectedVersion(ifMatch, body.version()));
        return withVersion(Response.ok(), rule).build();
    }

    @DELETE
    @Path("rules/{name}")
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Delete a rule; its history stays")
    @APIResponse(responseCode = "204", description = "Deleted")
    public void delete(@PathParam("name") String name, @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch) {
        rules.delete(name, expectedVersion(ifMatch, null));
    }

    @GET
    @Path("rules/{name}/history")
    @Operation(summary = "Every change of a rule, newest first: who, when, before and after")
    public Page<RuleChange> history(@PathParam("name") String name, @QueryParam("page") String page,
                                    @QueryParam("size") String size) {
        return rules.history(name, config.page(page), config.size(size));
    }

    @GET
    @Path("graph")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    @Operation(summary = "The cross-team dependency graph, as JSON or (format=mermaid) as a Mermaid flowchart")
    public Response graph(@Parameter(description = "json (default) or mermaid") @QueryParam("format") String format) {
        DependencyGraph graph = rules.graph();
        if (format == null || format.equals("json")) {
            return Response.ok(graph, MediaType.APPLICATION_JSON).build();
        }
        if (format.equals("mermaid")) {
            return Response.ok(graph.mermaid(), MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8")).build();
        }
        throw ProblemException.invalid("format", "must be json or mermaid");
    }

    /** If-Match wins over the body's version; {@code "3"}, {@code W/"3"} and {@code 3} are accepted. */
    private static Long expectedVersion(String ifMatch, Long bodyVersion) {
        if (ifMatch == null || ifMatch.isBlank()) {
            return bodyVersion;
        }
        String tag = ifMatch.trim().replaceFirst("^W/", "").replace("\"", "");
        try {
            return Long.valueOf(tag);
        } catch (NumberFormatException e) {
            throw ProblemException.invalid("If-Match", "must be a rule version such as \"3\"");
        }
    }

    private static Response.ResponseBuilder withVersion(Response.ResponseBuilder response, Rule rule) {
        return response.entity(rule).tag(new EntityTag(String.valueOf(rule.version())));
    }

    private static java.net.URI location(String name) {
        return UriBuilder.fromPath("/api/v1/rules/{name}").build(name);
    }
}
