package io.baton.console;

import io.baton.problem.ProblemException;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.net.URI;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The web console: server-rendered pages (Today at {@code /}, the graph, a rule, the events), the fragments and
 * server-sent events that keep them live, and the two buttons that act. Pages show only the sign-in form until the
 * browser signs in, unless {@code baton.console.anonymous-read} is set.
 * <p>
 * Signing in takes the same bearer tokens as the API: the token is verified, then kept in an HttpOnly,
 * SameSite=Strict cookie that lives as long as the token, which SmallRye JWT reads on every later request (the
 * browser's {@code EventSource} cannot send an Authorization header). Every form carries a CSRF token.
 */
@Path("/")
@Produces(MediaType.TEXT_HTML)
public class ConsoleResource {

    @Inject
    ConsoleService console;

    @Inject
    ConsoleFeed feed;

    @Inject
    ConsoleAccess access;

    @Inject
    JWTParser parser;

    @Inject
    ConsoleConfig config;

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance today(TodayView view, ConsoleAccess access);

        static native TemplateInstance row(RuleRow row, LocalDate date, boolean changed);

        static native TemplateInstance graph(LocalDate date, ConsoleAccess access);

        static native TemplateInstance rule(RulePage page, String notice, ConsoleAccess access);

        static native TemplateInstance events(List<FeedEvent> events, String team, String project, String kind,
                                              ConsoleAccess access);

        static native TemplateInstance eventRow(FeedEvent event);

        static native TemplateInstance signIn(String next, String error);
    }

    @GET
    public Response today(@QueryParam("date") String date, @QueryParam("team") String team) {
        if (!access.mayRead()) {
            return signIn("/");
        }
        return Response.ok(Templates.today(console.today(date(date), blankToNull(team)), access)).build();
    }

    @GET
    @Path("console/today/rows/{name}")
    public TemplateInstance row(@PathParam("name") String name, @QueryParam("date") String date) {
        requireRead();
        LocalDate day = requiredDate(date);
        return Templates.row(console.row(name, day), day, true);
    }

    @GET
    @Path("console/graph")
    public Response graph(@QueryParam("date") String date) {
        if (!access.mayRead()) {
            return signIn("/console/graph");
        }
        return Response.ok(Templates.graph(date(date), access)).build();
    }

    @GET
    @Path("console/graph.json")
    @Produces(MediaType.APPLICATION_JSON)
    public GraphView graphData(@QueryParam("date") String date) {
        requireRead();
        return console.graph(date(date));
    }

    @GET
    @Path("console/rules/{name}")
    public Response rule(@PathParam("name") String name, @QueryParam("date") String date,
                         @QueryParam("notice") String notice) {
        if (!access.mayRead()) {
            return signIn(UriBuilder.fromPath("/console/rules/{name}").build(name).toString());
        }
        return Response.ok(Templates.rule(console.rulePage(name, date(date)), notice, access)).build();
    }

    /** The rule page's buttons: fire the rule by hand, or retry the downstream it started, for a session date. */
    @POST
    @Path("console/rules/{name}/{action: fire|retry}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response act(@PathParam("name") String name, @PathParam("action") String action,
                        @FormParam("date") String date) {
        LocalDate day = requiredDate(date);
        String notice;
        try {
            if (action.equals("fire")) {
                console.fire(name, day);
                notice = "fired by hand";
            } else {
                console.retry(name, day);
                notice = "retry started";
            }
        } catch (ProblemException e) {
            if (e.status() == 401 || e.status() == 403) {
                throw e;
            }
            notice = e.getMessage();
        }
        return Response.seeOther(UriBuilder.fromPath("/console/rules/{name}").queryParam("date", day)
                .queryParam("notice", notice).build(name)).build();
    }

    @GET
    @Path("console/events")
    public Response events(@QueryParam("team") String team, @QueryParam("project") String project,
                           @QueryParam("kind") String kind) {
        if (!access.mayRead()) {
            return signIn("/console/events");
        }
        return Response.ok(Templates.events(feed.recent(blankToNull(team), blankToNull(project), blankToNull(kind)),
                blankToNull(team), blankToNull(project), blankToNull(kind), access)).build();
    }

    /** Names the rules that may have changed: {@code rule-<name>} for each row, and {@code changed} for the graph. */
    @GET
    @Path("console/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> stream(@Context Sse sse) {
        requireRead();
        return feed.changedRules().onOverflow().drop().onItem().transformToIterable(rules -> {
            List<OutboundSseEvent> out = new ArrayList<>();
            rules.forEach(rule -> out.add(sse.newEventBuilder().name("rule-" + rule).data(rule).build()));
            out.add(sse.newEventBuilder().name("changed").data(String.join(" ", rules)).build());
            return out;
        });
    }

    /** The events page's new rows, rendered, that pass its filters. */
    @GET
    @Path("console/events/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> eventStream(@Context Sse sse, @QueryParam("team") String team,
                                               @QueryParam("project") String project,
                                               @QueryParam("kind") String kind) {
        requireRead();
        String teamFilter = blankToNull(team);
        String projectFilter = blankToNull(project);
        String kindFilter = blankToNull(kind);
        return feed.events().onOverflow().drop()
                .filter(event -> event.matches(teamFilter, projectFilter, kindFilter))
                .map(event -> sse.newEventBuilder().name("event")
                        .data(Templates.eventRow(event).render().replace("\n", "")).build());
    }

    @GET
    @Path("console/sign-in")
    public TemplateInstance form(@QueryParam("next") String next) {
        return Templates.signIn(local(next), null);
    }

    @POST
    @Path("console/sign-in")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response signIn(@FormParam("token") String token, @FormParam("next") String next) {
        String target = local(next);
        if (token == null || token.isBlank()) {
            return signInFailed(target, "Paste a bearer token.");
        }
        JsonWebToken jwt;
        try {
            jwt = parser.parse(token.strip());
        } catch (ParseException e) {
            return signInFailed(target, "The token is not valid here (expired, or not signed by "
                    + "a key Baton trusts).");
        }
        long maxAge = Math.max(0, jwt.getExpirationTime() - Instant.now().getEpochSecond());
        return Response.seeOther(URI.create(target)).cookie(session(token.strip(), (int) maxAge)).build();
    }

    @POST
    @Path("console/sign-out")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
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

    private void requireRead() {
        if (!access.mayRead()) {
            throw new ProblemException(401, "Unauthorized", "sign in to the console first", List.of());
        }
    }

    private static Response signIn(String next) {
        return Response.status(Response.Status.UNAUTHORIZED).entity(Templates.signIn(next, null)).build();
    }

    private static Response signInFailed(String next, String error) {
        return Response.status(Response.Status.UNAUTHORIZED).entity(Templates.signIn(next, error)).build();
    }

    private static LocalDate date(String date) {
        if (date == null || date.isBlank()) {
            return null;
        }
        try {
            return LocalDate.parse(date);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid("date", "must be a date such as 2026-11-24");
        }
    }

    private static LocalDate requiredDate(String date) {
        LocalDate day = date(date);
        if (day == null) {
            throw ProblemException.invalid("date", "is required");
        }
        return day;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
