package io.baton.console;

import io.quarkus.qute.TemplateInstance;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.net.URI;
import java.time.Instant;

/**
 * Signs a browser in with the same bearer tokens the API takes: the token is verified, then kept in an HttpOnly,
 * SameSite=Strict cookie that lives as long as the token, which SmallRye JWT reads on every later request (the
 * browser's {@code EventSource} cannot send an Authorization header). Both forms carry a CSRF token.
 */
@Path("/console")
@Produces(MediaType.TEXT_HTML)
@Consumes(MediaType.APPLICATION_FORM_URLENCODED)
public class ConsoleSignInResource {

    @Inject
    JWTParser parser;

    @Inject
    ConsoleConfig config;

    @GET
    @Path("sign-in")
    public TemplateInstance form(@QueryParam("next") String next) {
        return ConsoleResource.Templates.signIn(local(next), null);
    }

    @POST
    @Path("sign-in")
    public Response signIn(@FormParam("token") String token, @FormParam("next") String next) {
        String target = local(next);
        if (token == null || token.isBlank()) {
            return ConsoleResource.signInFailed(target, "Paste a bearer token.");
        }
        JsonWebToken jwt;
        try {
            jwt = parser.parse(token.strip());
        } catch (ParseException e) {
            return ConsoleResource.signInFailed(target, "The token is not valid here (expired, or not signed by "
                    + "a key Baton trusts).");
        }
        long maxAge = Math.max(0, jwt.getExpirationTime() - Instant.now().getEpochSecond());
        return Response.seeOther(URI.create(target)).cookie(session(token.strip(), (int) maxAge)).build();
    }

    @POST
    @Path("sign-out")
    public Response signOut() {
        return Response.seeOther(URI.create("/")).cookie(session("", 0)).build();
    }

    private NewCookie session(String value, int maxAge) {
        return new NewCookie.Builder(config.sessionCookie()).value(value).path("/").httpOnly(true)
                .secure(config.secureCookie()).sameSite(NewCookie.SameSite.STRICT).maxAge(maxAge).build();
    }

    /** Only a path of this server, so the form cannot redirect elsewhere. */
    private static String local(String next) {
        return next != null && next.startsWith("/") && !next.startsWith("//") && !next.contains("\\") ? next : "/";
    }
}
