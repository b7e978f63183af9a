package io.baton.adopt;

import io.baton.security.Caller;
import io.quarkus.security.Authenticated;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Hands a downstream workflow from its Digdag schedule to its rule and back (writers of the rule's team). */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@Tag(name = "Rules")
public class AdoptResource {

    @Inject
    AdoptService adoptions;

    @POST
    @Path("rules/{name}:adopt")
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Make the rule active and disable its downstream's Digdag schedule, in one step")
    public AdoptService.Adoption adopt(@PathParam("name") String name) {
        return adoptions.adopt(name);
    }

    @POST
    @Path("rules/{name}:unadopt")
    @RolesAllowed({Caller.WRITER, Caller.ADMIN})
    @Operation(summary = "Enable the downstream's schedule again (missed sessions skipped) and put the rule in shadow")
    public AdoptService.Adoption unadopt(@PathParam("name") String name) {
        return adoptions.unadopt(name);
    }
}
