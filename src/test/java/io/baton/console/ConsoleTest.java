package io.baton.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.baton.emulator.DigdagEmulator;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventsConfig;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

/** The console over HTTP: who sees what, the session cookie, CSRF on the buttons, escaping and the headers. */
@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
class ConsoleTest {

    private static final String SCRIPT = "<script>alert(1)</script>";
    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"csrf-token\" value=\"([^\"]+)\"");

    private final DigdagEmulator emulator = BatonTestServices.emulator();

    @Inject
    ConsoleFeed feed;

    @Inject
    EventsConfig events;

    @Inject
    ObjectMapper mapper;

    /** A browser's state: the CSRF cookie and its form token, and the session cookie once signed in. */
    private record Browser(String csrf, String session) {
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A rule of team bi whose downstream is {@code <project>/report} on the emulator. */
    private String rule(String description) {
        String name = unique("console");
        String project = unique("bi");
        emulator.project(project).workflow("report", "UTC", sequence(task("build")));
        Map<String, Object> rule = new HashMap<>();
        rule.put("name", name);
        rule.put("team", "bi");
        rule.put("description", description);
        rule.put("upstreams", List.of(Map.of("digdag", Map.of("server", "main", "project", unique("game"),
                "workflow", "etl"))));
        rule.put("correlation", Map.of("by", "session_date", "zone", "UTC"));
        rule.put("action", Map.of("server", "main", "project", project, "workflow", "report"));
        given().auth().oauth2(TestTokens.writer("bi")).contentType(ContentType.JSON).body(rule)
                .put("/api/v1/rules/" + name).then().statusCode(201);
        return name;
    }

    private static Browser signIn(String token) {
        Response form = given().get("/console/sign-in");
        form.then().statusCode(200);
        String csrf = csrfToken(form.asString());
        Response signedIn = given().cookie("baton_csrf", form.getCookie("baton_csrf")).redirects().follow(false)
                .contentType(ContentType.URLENC).formParam("csrf-token", csrf).formParam("token", token)
                .formParam("next", "/").post("/console/sign-in");
        signedIn.then().statusCode(303);
        String setCookie = signedIn.getHeaders().getValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("baton_session=")).findFirst().orElseThrow();
        assertThat(setCookie).contains("HttpOnly").containsIgnoringCase("SameSite=Strict").contains("Path=/");
        return new Browser(form.getCookie("baton_csrf"), signedIn.getCookie("baton_session"));
    }

    private static String csrfToken(String html) {
        Matcher matcher = CSRF_FIELD.matcher(html);
        assertThat(matcher.find()).as("a CSRF field in the form").isTrue();
        return matcher.group(1);
    }

    @Test
    void withoutSigningInOnlyTheSignInFormIsShown() {
        String name = rule("secret plans");
        for (String page : List.of("/", "/console/graph", "/console/events")) {
            given().get(page).then().statusCode(401).contentType(ContentType.HTML)
                    .body(containsString("Sign in to Baton"))
                    .body(not(containsString(name))).body(not(containsString("secret plans")));
        }
        // The rule's own page names it only as where to go after signing in.
        given().get("/console/rules/" + name).then().statusCode(401)
                .body(containsString("Sign in to Baton"))
                .body(containsString("name=\"next\" value=\"/console/rules/" + name + "\""))
                .body(not(containsString("secret plans"))).body(not(containsString("waiting")));
        given().get("/console/graph.json").then().statusCode(401);
        given().get("/console/stream").then().statusCode(401);
        given().get("/console/today/rows/" + name + "?date=2026-11-24").then().statusCode(401);
        // A cookie that holds no valid token is no sign-in either.
        given().cookie("baton_session", "not-a-jwt").get("/").then().statusCode(401)
                .body(containsString("Sign in to Baton")).body(not(containsString(name)));
    }

    @Test
    void aSignedInBrowserSeesRulesWithTheirTextEscapedUnderAStrictPolicy() {
        String name = rule(SCRIPT);
        Browser browser = signIn(TestTokens.reader());
        given().cookie("baton_session", browser.session()).get("/").then().statusCode(200)
                .header("Content-Security-Policy", containsString("script-src 'self'"))
                .header("Content-Security-Policy", not(containsString("unsafe-inline")))
                .body(containsString("id=\"rule-" + name + "\""))
                .body(containsString("waiting 0 of 1"))
                .body(containsString("&lt;script&gt;alert(1)&lt;/script&gt;"))
                .body(not(containsString(SCRIPT)));
        given().cookie("baton_session", browser.session()).get("/console/rules/" + name).then().statusCode(200)
                .body(containsString("Not fired: waiting for"))
                .body(not(containsString(SCRIPT)))
                // A reader sees no buttons that act.
                .body(not(containsString("id=\"fire-now\"")));
        given().cookie("baton_session", browser.session()).get("/console/graph.json").then().statusCode(200)
                .body("edges.find { it.rule == '" + name + "' }.state", is("waiting"));
    }

    /** An expectation of team bi on a workflow the emulator does not have: its check changes nothing stored here. */
    private static String expectation() {
        String name = unique("sla");
        given().auth().oauth2(TestTokens.writer("bi")).contentType(ContentType.JSON)
                .body(Map.of("team", "bi", "server", "main", "project", unique("nowhere"), "workflow", "etl",
                        "by", "07:00", "zone", "Asia/Tokyo"))
                .put("/api/v1/expectations/" + name).then().statusCode(201);
        return name;
    }

    /** A session as the expectation watch records it (tested in NotificationsTest); due 07:00 Tokyo that day. */
    private static void recorded(String expectation, String sessionTime, String state, String attemptId) {
        QuarkusTransaction.requiringNew().run(() -> Panache.getEntityManager().createNativeQuery(
                        "INSERT INTO expectation_session (expectation_name, session_time, session_time_offset, "
                                + "run_time, due_at, state, attempt_id) VALUES (:n, CAST(:s AS timestamptz), :offset, "
                                + "CAST(:s AS timestamptz), CAST(:s AS timestamptz) + interval '7 hours', :state, "
                                + ":attempt)")
                .setParameter("n", expectation).setParameter("s", sessionTime)
                .setParameter("offset", OffsetDateTime.parse(sessionTime).getOffset().getTotalSeconds())
                .setParameter("state", state)
                .setParameter("attempt", attemptId).executeUpdate());
    }

    @Test
    void todayShowsEachExpectationOfTheDayInTheStateTheWatchRecorded() {
        String late = expectation();
        String met = expectation();
        String unplanned = expectation();
        recorded(late, "2026-11-24T00:00:00+09:00", "late", "41");
        recorded(met, "2026-11-24T00:00:00+09:00", "succeeded", "42");
        recorded(met, "2026-11-23T00:00:00+09:00", "failed", "40");
        recorded(unplanned, "2026-11-23T00:00:00+09:00", "late", "39");

        Browser browser = signIn(TestTokens.reader());
        String page = given().cookie("baton_session", browser.session()).get("/?date=2026-11-24&team=bi").then()
                .statusCode(200).extract().asString();
        assertThat(expectationRows(page, late)).singleElement().satisfies(row -> assertThat(row)
                .contains("data-state=\"late\"", ">late</span>", "07:00 Asia/Tokyo", "attempt 41"));
        assertThat(expectationRows(page, met)).singleElement().satisfies(row -> assertThat(row)
                .contains("data-state=\"succeeded\"", ">met</span>", "2026-11-24T00:00:00+09:00"));
        assertThat(expectationRows(page, unplanned)).singleElement().satisfies(row -> assertThat(row)
                .contains("data-state=\"not_expected\"", ">not expected</span>", "none planned", "by 07:00"));
        // The day before shows the other sessions; another team's page none of these.
        String before = given().cookie("baton_session", browser.session()).get("/?date=2026-11-23&team=bi").then()
                .statusCode(200).extract().asString();
        assertThat(expectationRows(before, met)).singleElement().satisfies(row -> assertThat(row)
                .contains(">failed</span>", "attempt 40"));
        assertThat(expectationRows(before, unplanned)).singleElement().satisfies(row -> assertThat(row)
                .contains(">late</span>"));
        String game = given().cookie("baton_session", browser.session()).get("/?date=2026-11-24&team=game").then()
                .statusCode(200).extract().asString();
        assertThat(expectationRows(game, late)).isEmpty();
    }

    private static List<String> expectationRows(String html, String expectation) {
        Matcher rows = Pattern.compile("<tr class=\"expectation [^\"]*\" data-expectation=\"" + expectation
                + "\".*?</tr>", Pattern.DOTALL).matcher(html);
        List<String> found = new ArrayList<>();
        while (rows.find()) {
            found.add(rows.group());
        }
        return found;
    }

    @Test
    void aBadTokenDoesNotSignIn() {
        Response form = given().get("/console/sign-in");
        Response refused = given().cookie("baton_csrf", form.getCookie("baton_csrf")).contentType(ContentType.URLENC)
                .formParam("csrf-token", csrfToken(form.asString())).formParam("token", "not-a-jwt")
                .post("/console/sign-in");
        refused.then().statusCode(401).body(containsString("The token is not valid here"));
        assertThat(refused.getHeaders().getValues("Set-Cookie")).noneMatch(c -> c.startsWith("baton_session="));
    }

    @Test
    void fireNowNeedsTheCsrfTokenAndAWriterOfTheRulesTeam() {
        String name = rule("fires by hand");
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        Browser writer = signIn(TestTokens.writer("bi"));
        String page = given().cookie("baton_session", writer.session()).cookie("baton_csrf", writer.csrf())
                .get("/console/rules/" + name + "?date=" + today).then().statusCode(200)
                .body(containsString("id=\"fire-now\"")).extract().asString();

        // Without the form's token (a cross-site form cannot know it) nothing fires.
        given().cookie("baton_session", writer.session()).cookie("baton_csrf", writer.csrf())
                .contentType(ContentType.URLENC).formParam("date", today).redirects().follow(false)
                .post("/console/rules/" + name + "/fire").then().statusCode(400);
        // Another team's writer with a valid token is refused.
        Browser other = signIn(TestTokens.writer("game"));
        given().cookie("baton_session", other.session()).cookie("baton_csrf", other.csrf())
                .contentType(ContentType.URLENC).formParam("csrf-token", other.csrf()).formParam("date", today)
                .redirects().follow(false).post("/console/rules/" + name + "/fire").then().statusCode(403);
        given().auth().oauth2(TestTokens.reader()).get("/api/v1/rules/" + name + "/explain?session=" + today)
                .then().statusCode(200).body("run", nullValue());

        given().cookie("baton_session", writer.session()).cookie("baton_csrf", writer.csrf())
                .contentType(ContentType.URLENC).formParam("csrf-token", csrfToken(page)).formParam("date", today)
                .redirects().follow(false).post("/console/rules/" + name + "/fire").then().statusCode(303)
                .header("Location", containsString("/console/rules/" + name));
        await().untilAsserted(() -> given().auth().oauth2(TestTokens.reader())
                .get("/api/v1/rules/" + name + "/explain?session=" + today).then().statusCode(200)
                .body("run.manual", is(true))
                .body("run.requestedBy", is("bi-writer"))
                .body("run.state", is("started")));
        given().cookie("baton_session", writer.session()).get("/console/rules/" + name + "?date=" + today).then()
                .body(containsString("Fired: by hand (bi-writer)")).body(containsString("id=\"retry\""));
        // The events page lists the trigger outcome once the outbox relay has published it.
        await().untilAsserted(() -> given().cookie("baton_session", writer.session())
                .get("/console/events?team=bi&kind=trigger").then().statusCode(200)
                .body(containsString("rule " + name + ": started")));
    }

    @Test
    void theApiStillTakesBearerTokensAndJsonWithoutACsrfToken() {
        String name = unique("api");
        Map<String, Object> rule = Map.of("name", name, "team", "bi",
                "upstreams", List.of(Map.of("digdag", Map.of("server", "main", "project", "game", "workflow", "etl"))),
                "action", Map.of("server", "main", "project", "bi", "workflow", "report"));
        given().auth().oauth2(TestTokens.writer("bi")).contentType(ContentType.JSON)
                .body(rule).post("/api/v1/rules").then().statusCode(201);
        given().auth().oauth2(TestTokens.writer("bi")).delete("/api/v1/rules/" + name).then().statusCode(204);
        given().get("/api/v1/rules").then().statusCode(401);
    }

    @Test
    void theLiveFeedNamesTheRulesWaitingOnTheEventsWorkflowOrTypeAndNoOthers() {
        String game = unique("game");
        String type = "com.example." + unique("loaded");
        String onWorkflow = feedRule(Map.of("digdag", Map.of("server", "main", "project", game, "workflow", "etl")));
        String onTask = feedRule(Map.of("digdag", Map.of("server", "main", "project", game, "workflow", "etl",
                "task", "+etl+load")));
        String elsewhere = feedRule(Map.of("digdag", Map.of("server", "main", "project", game, "workflow", "other")));
        String onType = feedRule(Map.of("event", Map.of("type", type)));
        DigdagCompletion completion = new DigdagCompletion("main", game, "etl", null, null, "41", "7", "uuid-7",
                "2026-11-24T00:00:00+00:00", LocalDate.parse("2026-11-24"), "success", null, Instant.now(),
                Instant.now(), null, null, null);
        List<FeedEvent> seen = new CopyOnWriteArrayList<>();
        Cancellable subscription = feed.events().subscribe().with(seen::add);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BatonTestServices.KAFKA), new StringSerializer(),
                new StringSerializer())) {
            String completionId = unique("completion");
            String externalId = unique("event");
            // Sent again until seen: the feed follows the topic from its end once it is positioned.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                producer.send(cloudEvent(completion.workflowKey(), completionId, completion.type(),
                        mapper.writeValueAsString(completion)));
                producer.send(cloudEvent("event/" + type, externalId, type, "{}"));
                return seen(seen, completionId).isPresent() && seen(seen, externalId).isPresent();
            });
            FeedEvent ofCompletion = seen(seen, completionId).orElseThrow();
            assertThat(ofCompletion.kind()).isEqualTo(FeedEvent.COMPLETION);
            assertThat(ofCompletion.rules()).containsExactlyInAnyOrder(onWorkflow, onTask).doesNotContain(elsewhere);
            assertThat(ofCompletion.teams()).containsExactly("bi");
            FeedEvent external = seen(seen, externalId).orElseThrow();
            assertThat(external.kind()).isEqualTo(FeedEvent.EXTERNAL);
            assertThat(external.rules()).containsExactly(onType);
        } finally {
            subscription.cancel();
        }
    }

    /** A rule of team bi with one upstream, registered over the API. */
    private String feedRule(Map<String, Object> upstream) {
        String name = unique("feed");
        Map<String, Object> rule = Map.of("name", name, "team", "bi", "upstreams", List.of(upstream),
                "action", Map.of("server", "main", "project", "bi", "workflow", "report"));
        given().auth().oauth2(TestTokens.writer("bi")).contentType(ContentType.JSON).body(rule)
                .post("/api/v1/rules").then().statusCode(201);
        return name;
    }

    private ProducerRecord<String, String> cloudEvent(String key, String id, String type, String data) {
        ProducerRecord<String, String> record = new ProducerRecord<>(events.topic(), key, data);
        record.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8))
                .add("ce_id", id.getBytes(StandardCharsets.UTF_8))
                .add("ce_type", type.getBytes(StandardCharsets.UTF_8))
                .add("ce_source", "urn:test".getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static Optional<FeedEvent> seen(List<FeedEvent> events, String id) {
        return events.stream().filter(event -> id.equals(event.id())).findFirst();
    }
}
