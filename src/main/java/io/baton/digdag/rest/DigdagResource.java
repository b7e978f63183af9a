package io.baton.digdag.rest;

import io.baton.audit.AuditLog;
import io.baton.digdag.client.DigdagConfig;
import io.baton.digdag.client.SessionTimeParam;
import io.baton.problem.Problem;
import io.baton.problem.ProblemException;
import io.baton.problem.StrictJson;
import io.baton.security.Caller;
import io.quarkus.resteasy.reactive.jackson.CustomDeserialization;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/**
 * Status, start and retry of a session of a workflow on any configured Digdag server (its waits:
 * {@code io.baton.digdag.wait.WaitResource}). Any valid bearer token
 * may read; start and retry need a writer of a team the project is mapped to ({@code baton.digdag.project-teams}) or
 * {@code baton-admin}, and are audited.
 */
@Path("/api/v1/digdag/{server}/projects/{project}/workflows/{workflow}/sessions")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@Blocking
@Tag(name = "Digdag", description = "Task status, start, retry and wait on any Digdag server Baton knows")
@APIResponse(responseCode = "400", description = "Invalid request; the bad parameter is named",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "401", description = "No valid bearer token",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "404", description = "No such server, project, workflow, session or task (named)",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "502", description = "The Digdag server cannot be reached",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class DigdagResource {

    @Inject
    DigdagService digdag;

    @Inject
    DigdagConfig config;

    @Inject
    Caller caller;

    @Inject
    AuditLog audit;

    @PathParam("server")
    String server;

    @PathParam("project")
    String project;

    @PathParam("workflow")
    String workflow;

    @GET
    @Path("{sessionTime}")
    @Operation(summary = "The session's attempts with their status, oldest first")
    public SessionStatus session(@Parameter(description = SessionTimeParam.DOC) @PathParam("sessionTime") String time) {
        return digdag.sessionStatus(server, project, workflow, SessionTimeParam.parse(time));
    }

    @GET
    @Path("{sessionTime}/tasks/{task}")
    @Operation(summary = "A task's latest state in the latest attempt of the session")
    public TaskStatus task(@Parameter(description = SessionTimeParam.DOC) @PathParam("sessionTime") String time,
                           @Parameter(description = "full name (+etl+load) or the name below the workflow (load)")
                           @PathParam("task") String task) {
        return digdag.taskStatus(server, project, workflow, SessionTimeParam.parse(time), task);
    }

    @POST
    @Path("{sessionTime}:start")
    @CustomDeserialization(StrictJson.class)
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Start the session (idempotent: an existing attempt is returned with created=false)")
    @APIResponse(responseCode = "201", description = "Started")
    @APIResponse(responseCode = "200", description = "The session already had an attempt; created is false")
    public Response start(@PathParam("sessionTime") String time, StartBody body) {
        SessionTimeParam sessionTime = SessionTimeParam.parse(time);
        requireStarter();
        StartOutcome outcome = digdag.start(server, project, workflow, sessionTime, body == null ? null : body.params());
        return audited(AuditLog.START, outcome);
    }

    @POST
    @Path("{sessionTime}:retry")
    @CustomDeserialization(StrictJson.class)
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Retry the session: a new attempt under a fresh retry name; resume=failed re-runs only "
            + "what did not succeed in the latest attempt")
    @APIResponse(responseCode = "201", description = "Retried")
    @APIResponse(responseCode = "409", description = "The latest attempt still runs, or succeeded (resume=failed)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response retry(@PathParam("sessionTime") String time,
                          @Parameter(description = "failed: resume the failed tasks of the latest attempt")
                          @QueryParam("resume") String resume, StartBody body) {
        SessionTimeParam sessionTime = SessionTimeParam.parse(time);
        if (resume != null && !resume.equals("failed")) {
            throw ProblemException.invalid("resume", "must be failed, or absent to re-run everything");
        }
        requireStarter();
        StartOutcome outcome = digdag.retry(server, project, workflow, sessionTime,
                body == null ? null : body.params(), resume != null);
        return audited(AuditLog.RETRY, outcome);
    }

    /** Starting or retrying acts on the project's team's work: a writer of a team the project is mapped to. */
    private void requireStarter() {
        caller.requireWriterOfAny(config.projectTeams().getOrDefault(project, List.of()),
                "start or retry workflows of Digdag project '" + project + "'");
    }

    private Response audited(String action, StartOutcome outcome) {
        audit.record(action, outcome.server() + "/" + outcome.project() + "/" + outcome.workflow(),
                outcome.sessionTime(), "attempt " + outcome.attempt().id() + (outcome.created() ? "" : " (existed)"));
        return Response.status(outcome.created() ? 201 : 200).entity(outcome).build();
    }
}
