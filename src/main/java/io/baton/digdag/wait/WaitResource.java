package io.baton.digdag.wait;

import io.baton.digdag.client.DigdagConfig;
import io.baton.digdag.client.SessionTimeParam;
import io.baton.problem.Problem;
import io.baton.problem.ProblemException;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Duration;
import java.util.Set;

/**
 * The long-poll wait on a task of a session, beside status, start and retry ({@code digdag.rest.DigdagResource}, same
 * path prefix). Any valid bearer token may wait.
 */
@Path("/api/v1/digdag/{server}/projects/{project}/workflows/{workflow}/sessions/{sessionTime}/tasks/{task}/wait")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@Blocking
@Tag(name = "Digdag")
public class WaitResource {

    private static final Set<String> WAITABLE = Set.of("success", "error", "group_error", "canceled");

    @Inject
    TaskWaits waits;

    @Inject
    DigdagConfig config;

    @GET
    @Operation(summary = "Long-poll: answers once the task reaches the state, or ends (or its attempt ends) in "
            + "another; reached tells which. Waits for a session that has not started yet too")
    @APIResponse(responseCode = "400", description = "Invalid request; the bad parameter is named",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such server, project, workflow or task (named)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "408", description = "The timeout passed first",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", description = "No valid bearer token",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "502", description = "The Digdag server cannot be reached",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<WaitOutcome> await(@PathParam("server") String server, @PathParam("project") String project,
                                  @PathParam("workflow") String workflow,
                                  @Parameter(description = SessionTimeParam.DOC) @PathParam("sessionTime") String time,
                                  @Parameter(description = "full name (+etl+load) or the name below the workflow "
                                          + "(load)") @PathParam("task") String task,
                                  @Parameter(description = "success (default), error, group_error or canceled")
                                  @QueryParam("state") String state,
                                  @Parameter(description = "ISO-8601 (PT1H) or short (1h, 30m, 45s)")
                                  @QueryParam("timeout") String timeout) {
        SessionTimeParam sessionTime = SessionTimeParam.parse(time);
        String wanted = state == null || state.isEmpty() ? "success" : state;
        if (!WAITABLE.contains(wanted)) {
            throw ProblemException.invalid("state", "must be one of success, error, group_error, canceled");
        }
        return waits.await(server, project, workflow, sessionTime, task, wanted, timeout(timeout));
    }

    private Duration timeout(String raw) {
        if (raw == null || raw.isEmpty()) {
            return config.waits().defaultTimeout();
        }
        Duration timeout;
        try {
            timeout = DurationConverter.parseDuration(raw);
        } catch (IllegalArgumentException e) {
            timeout = null;
        }
        Duration max = config.waits().maxTimeout();
        if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.compareTo(max) > 0) {
            throw ProblemException.invalid("timeout", "must be a duration above zero and at most " + max
                    + ", e.g. PT1H or 30m");
        }
        return timeout;
    }
}
