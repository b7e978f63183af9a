package io.baton.watch;

import io.baton.problem.FieldError;
import io.baton.problem.Problem;
import io.baton.problem.ProblemException;
import io.baton.problem.StrictJson;
import io.baton.security.Caller;
import io.quarkus.resteasy.reactive.jackson.CustomDeserialization;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;

/** Push mode: a Digdag workflow tells Baton that something ended, and Baton reads it from Digdag at once. */
@Path("/api/v1/digdag/{server}/notifications")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
@Tag(name = "Digdag", description = "Task status, start, retry and wait on any Digdag server Baton knows")
public class NotificationResource {

    private static final Logger LOG = Logger.getLogger(NotificationResource.class);

    @Inject
    WatchService watch;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @CustomDeserialization(StrictJson.class)
    @RolesAllowed(Caller.NOTIFIER)
    @Operation(summary = "An attempt has news: Baton reads it and its tasks from Digdag now and publishes what ended")
    @APIResponse(responseCode = "202", description = "What ended is in the outbox (committed)")
    @APIResponse(responseCode = "400", description = "Invalid body; the field is named",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such server or attempt",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "Digdag cannot be reached; the watcher reads the attempt later",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response notify(@PathParam("server") String server, Notification body) {
        if (body == null) {
            throw ProblemException.invalid("attemptId", "is required");
        }
        List<FieldError> errors = body.errors();
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        int found = watch.notified(server, body.attemptId());
        LOG.debugf("notification from %s attempt %s task %s: %d completions", server, body.attemptId(), body.task(), found);
        return Response.accepted(Map.of("attemptId", body.attemptId(), "completions", found)).build();
    }
}
