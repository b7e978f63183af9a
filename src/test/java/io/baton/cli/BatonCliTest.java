package io.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.baton.digdag.wait.TaskWaits;
import io.baton.emulator.DigdagEmulator;
import io.baton.events.EventsConfig;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The command line, run in-process against this test's Baton, exit codes included. */
@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
class BatonCliTest {

    private static final OffsetDateTime SESSION = OffsetDateTime.parse("2026-11-24T00:00:00+09:00");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TestHTTPResource("/")
    URL baton;

    @Inject
    TaskWaits waits;

    @Inject
    EventsConfig events;

    @TempDir
    Path dir;

    private final DigdagEmulator emulator = BatonTestServices.emulator();

    record Run(int exit, String out, String err) {
        JsonNode json() {
            try {
                return MAPPER.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out, e);
            }
        }
    }

    private Run baton(String token, String... args) {
        List<String> line = new ArrayList<>(List.of("--url", baton.toString(), "--token", token));
        line.addAll(List.of(args));
        return run(line.toArray(String[]::new));
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = BatonCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String etlProject() {
        String project = "c" + UUID.randomUUID().toString().substring(0, 8);
        emulator.project(project).workflow("etl", "Asia/Tokyo", sequence(task("extract"), task("load")));
        return project;
    }

    @Test
    void statusOfATaskAndOfASession() {
        String project = etlProject();
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        emulator.completeTask(attempt, "+etl+extract");

        Run task = baton(TestTokens.reader(), "status", "-p", project, "-w", "etl", "-s", "2026-11-24",
                "-t", "+etl+extract");
        assertThat(task.exit()).as(task.err()).isZero();
        assertThat(task.json().path("state").asText()).isEqualTo("success");
        assertThat(task.json().path("attemptId").asText()).isEqualTo(attempt);

        Run table = baton(TestTokens.reader(), "status", "-p", project, "-w", "etl", "-s", "2026-11-24",
                "-t", "load", "--output", "table");
        assertThat(table.exit()).isZero();
        assertThat(table.out()).containsPattern("(?m)^state\\s+running$").contains("+etl+load");

        Run sessionStatus = baton(TestTokens.reader(), "status", "-p", project, "-w", "etl", "-s",
                "2026-11-24T00:00:00+09:00");
        assertThat(sessionStatus.exit()).isZero();
        assertThat(sessionStatus.json().path("attempts").get(0).path("id").asText()).isEqualTo(attempt);

        emulator.failTask(attempt, "+etl+load", "disk full");
        Run failed = baton(TestTokens.reader(), "status", "-p", project, "-w", "etl", "-s", "2026-11-24", "-t", "load");
        assertThat(failed.exit()).as("a failed task").isEqualTo(BatonCli.FAILED);
        assertThat(failed.json().path("error").asText()).isEqualTo("disk full");
        Run failedSession = baton(TestTokens.reader(), "status", "-p", project, "-w", "etl", "-s", "2026-11-24",
                "-o", "table");
        assertThat(failedSession.exit()).as("a failed attempt").isEqualTo(BatonCli.FAILED);
        assertThat(failedSession.out()).startsWith("ID").contains("error");
    }

    @Test
    void notFoundAndUsageErrorsExitWith3() {
        String project = etlProject();
        Run missing = baton(TestTokens.reader(), "status", "-p", "nosuchproject", "-w", "etl", "-s", "2026-11-24");
        assertThat(missing.exit()).isEqualTo(BatonCli.USAGE);
        assertThat(missing.err()).contains("404").contains("nosuchproject").contains("project: not found");
        assertThat(missing.out()).isEmpty();

        assertThat(baton(TestTokens.reader(), "status", "-p", project, "-w", "etl", "-s", "2026-11-24").exit())
                .as("no session yet").isEqualTo(BatonCli.USAGE);
        assertThat(baton(TestTokens.reader(), "status", "-p", project, "-s", "2026-11-24").exit())
                .as("no --workflow").isEqualTo(BatonCli.USAGE);
        assertThat(baton(TestTokens.reader(), "status", "-p", project, "-w", "etl", "-s", "someday").exit())
                .as("a bad session time").isEqualTo(BatonCli.USAGE);
        assertThat(baton(TestTokens.reader(), "frobnicate").exit()).isEqualTo(BatonCli.USAGE);
        assertThat(baton(TestTokens.reader(), "wait", "-p", project, "-w", "etl", "-s", "2026-11-24", "-t", "load",
                "--timeout", "soon").exit()).isEqualTo(BatonCli.USAGE);
    }

    @Test
    void startIsIdempotentAndRetryResumesWhatFailed() {
        String project = etlProject();
        Run started = baton(TestTokens.admin(), "start", "-p", project, "-w", "etl", "-s", "2026-11-24",
                "--param", "region=jp");
        assertThat(started.exit()).as(started.err()).isZero();
        assertThat(started.json().path("created").asBoolean()).isTrue();
        String attempt = started.json().path("attempt").path("id").asText();
        assertThat(emulator.attempt(attempt).params().path("region").asText()).isEqualTo("jp");

        // Global options after the subcommand work too.
        Run again = run("start", "-p", project, "-w", "etl", "-s", "2026-11-24", "--url",
                baton.toString(), "--token", TestTokens.admin());
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.json().path("created").asBoolean()).isFalse();
        assertThat(again.json().path("attempt").path("id").asText()).isEqualTo(attempt);

        Run refused = baton(TestTokens.admin(), "retry", "-p", project, "-w", "etl", "-s", "2026-11-24");
        assertThat(refused.exit()).as("the attempt still runs").isEqualTo(BatonCli.ERROR);
        assertThat(refused.err()).contains("409").contains("still running");
        assertThat(baton(TestTokens.reader(), "start", "-p", project, "-w", "etl", "-s", "2026-11-25").exit())
                .as("a reader may not start").isEqualTo(BatonCli.ERROR);

        emulator.completeTask(attempt, "+etl+extract");
        emulator.failTask(attempt, "+etl+load", "boom");
        Run retried = baton(TestTokens.admin(), "retry", "--resume-failed", "-p", project, "-w", "etl", "-s",
                "2026-11-24");
        assertThat(retried.exit()).as(retried.err()).isZero();
        assertThat(retried.json().path("attempt").path("index").asInt()).isEqualTo(2);
        assertThat(emulator.runningTasks(retried.json().path("attempt").path("id").asText()))
                .containsExactly("+etl+load");
    }

    @Test
    void waitExitsWith0WhenReached1WhenFailedAnd2AtTheTimeout() {
        String project = etlProject();
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());

        CompletableFuture<Run> reached = CompletableFuture.supplyAsync(() -> baton(TestTokens.reader(), "wait",
                "-p", project, "-w", "etl", "-s", "2026-11-24", "-t", "extract", "--state", "success",
                "--timeout", "2m"));
        await().atMost(Duration.ofSeconds(30)).until(() -> waits.waiting() == 1);
        emulator.completeTask(attempt, "+etl+extract");
        Run done = reached.join();
        assertThat(done.exit()).as(done.err()).isZero();
        assertThat(done.json().path("reached").asBoolean()).isTrue();

        Run timedOut = baton(TestTokens.reader(), "wait", "-p", project, "-w", "etl", "-s", "2026-11-24",
                "-t", "load", "--timeout", "3s", "--interval", "1s");
        assertThat(timedOut.exit()).isEqualTo(BatonCli.TIMEOUT);
        assertThat(timedOut.err()).contains("did not reach success");

        CompletableFuture<Run> failing = CompletableFuture.supplyAsync(() -> baton(TestTokens.reader(), "wait",
                "-p", project, "-w", "etl", "-s", "2026-11-24", "-t", "load", "--timeout", "2m"));
        await().atMost(Duration.ofSeconds(30)).until(() -> waits.waiting() == 1);
        emulator.failTask(attempt, "+etl+load", "boom");
        Run failed = failing.join();
        assertThat(failed.exit()).isEqualTo(BatonCli.FAILED);
        assertThat(failed.json().path("task").path("state").asText()).isEqualTo("error");
    }

    /** A rule of team bi in a file for {@code rules apply}. */
    private Path ruleFile(String name) throws IOException {
        return Files.writeString(dir.resolve("rule.json"), """
                {"name": "%s", "team": "bi",
                 "upstreams": [{"digdag": {"server": "main", "project": "game", "workflow": "etl"}}],
                 "action": {"server": "main", "project": "bi", "workflow": "report"}}
                """.formatted(name));
    }

    @Test
    void rulesApplyListGetDelete() throws IOException {
        String name = "cli-" + UUID.randomUUID().toString().substring(0, 8);
        Path file = ruleFile(name);

        Run applied = baton(TestTokens.writer("bi"), "rules", "apply", "-f", file.toString());
        assertThat(applied.exit()).as(applied.err()).isZero();
        assertThat(applied.json().path("version").asInt()).isZero();
        Run reapplied = baton(TestTokens.writer("bi"), "rules", "apply", "-f", file.toString());
        assertThat(reapplied.exit()).as(reapplied.err()).isZero();

        Run got = baton(TestTokens.reader(), "rules", "get", name);
        assertThat(got.exit()).isZero();
        assertThat(got.json().path("team").asText()).isEqualTo("bi");

        Run listed = baton(TestTokens.reader(), "rules", "list", "--team", "bi", "--size", "100", "-o", "table");
        assertThat(listed.exit()).isZero();
        assertThat(listed.out()).startsWith("NAME").containsPattern(name + "\\s+bi\\s+true\\s+1\\s+main/bi/report");

        Files.writeString(file, "{\"team\": \"bi\"}");
        assertThat(baton(TestTokens.writer("bi"), "rules", "apply", "-f", file.toString()).exit())
                .as("no name").isEqualTo(BatonCli.USAGE);

        Run deleted = baton(TestTokens.writer("bi"), "rules", "delete", name);
        assertThat(deleted.exit()).as(deleted.err()).isZero();
        assertThat(baton(TestTokens.reader(), "rules", "get", name).exit()).isEqualTo(BatonCli.USAGE);
        assertThat(baton(TestTokens.writer("bi"), "rules", "delete", name).exit()).isEqualTo(BatonCli.USAGE);
    }

    @Test
    void subscriptionsAddListDelete() {
        String name = "cli-" + UUID.randomUUID().toString().substring(0, 8);
        Run refused = baton(TestTokens.writer("game"), "subscriptions", "add", name, "--team", "game", "--project",
                "game", "--state", "error,sunny", "--slack", "nowhere");
        assertThat(refused.exit()).isEqualTo(BatonCli.USAGE);
        assertThat(refused.err()).contains("states[1]", "slack");

        Run added = baton(TestTokens.writer("game"), "subscriptions", "add", name, "--team", "game", "--project",
                "game", "--workflow", "etl", "--state", "success", "--state", "error", "--webhook", "sink",
                "--template", "error={project} broke: {error}");
        assertThat(added.exit()).as(added.err()).isZero();
        assertThat(added.json().path("templates").path("error").asText()).isEqualTo("{project} broke: {error}");
        assertThat(baton(TestTokens.writer("game"), "subscriptions", "add", name, "--team", "game", "--project",
                "game", "--state", "error", "--webhook", "sink").exit()).as("the name is taken").isEqualTo(BatonCli.ERROR);

        Run listed = baton(TestTokens.reader(), "subscriptions", "list", "--team", "game", "-o", "table");
        assertThat(listed.exit()).isZero();
        assertThat(listed.out()).startsWith("NAME").containsPattern(name + "\\s+game\\s+true\\s+main/game/etl\\s+"
                + "error,success\\s+webhook:sink");

        assertThat(baton(TestTokens.writer("bi"), "subscriptions", "delete", name).exit()).isEqualTo(BatonCli.ERROR);
        Run deleted = baton(TestTokens.writer("game"), "subscriptions", "delete", name);
        assertThat(deleted.exit()).as(deleted.err()).isZero();
        assertThat(baton(TestTokens.writer("game"), "subscriptions", "delete", name).exit()).isEqualTo(BatonCli.USAGE);
    }

    @Test
    void aLocalTokenIsAcceptedForARuleWriteByABatonConfiguredWithThePrintedKey() throws IOException {
        // A Baton home holding the key pair this test's Baton trusts, as if `token` had made it there before.
        Path keys = Files.createDirectories(dir.resolve("home/keys"));
        Files.copy(BatonTestServices.TestKeys.PRIVATE_KEY, keys.resolve("private.pem"));
        Files.copy(BatonTestServices.TestKeys.PUBLIC_KEY, keys.resolve("public.pem"));
        String home = dir.resolve("home").toString();
        String issuer = BatonTestServices.TestKeys.ISSUER;
        Run writer = run("token", "--home", home, "--team", "bi", "--role", "writer", "--issuer", issuer);
        assertThat(writer.exit()).as(writer.err()).isZero();
        Config config = ConfigProvider.getConfig();
        assertThat(writer.err())
                .contains("mp.jwt.verify.issuer=" + config.getValue("mp.jwt.verify.issuer", String.class));
        String printedKey = writer.err().lines().filter(l -> l.startsWith("mp.jwt.verify.publickey.location="))
                .findFirst().orElseThrow().substring("mp.jwt.verify.publickey.location=".length());
        assertThat(Files.readString(Path.of(printedKey))).isEqualTo(Files.readString(Path.of(
                config.getValue("mp.jwt.verify.publickey.location", String.class))));

        String name = "cli-token-" + UUID.randomUUID().toString().substring(0, 8);
        Path file = ruleFile(name);
        Run applied = baton(writer.out().strip(), "rules", "apply", "-f", file.toString());
        assertThat(applied.exit()).as(applied.err()).isZero();

        String reader = run("token", "--home", home, "--team", "bi", "--role", "reader", "--issuer", issuer).out()
                .strip();
        String otherTeam = run("token", "--home", home, "--team", "game", "--role", "writer", "--issuer", issuer).out()
                .strip();
        assertThat(baton(reader, "rules", "get", name).exit()).isZero();
        assertThat(baton(reader, "rules", "delete", name).exit()).as("a reader may not write")
                .isEqualTo(BatonCli.ERROR);
        assertThat(baton(otherTeam, "rules", "delete", name).exit()).as("another team").isEqualTo(BatonCli.ERROR);
        assertThat(baton(writer.out().strip(), "rules", "delete", name).exit()).isZero();
    }

    @Test
    void rulesBacktestPrintsATablePerSession() throws IOException {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String game = "game-" + suffix;
        String bi = "bi-" + suffix;
        emulator.project(game).workflow("etl", "UTC", sequence(task("load")));
        emulator.project(bi).workflow("report", "UTC", sequence(task("build")));
        OffsetDateTime day1 = OffsetDateTime.parse("2026-11-24T00:00:00Z");
        OffsetDateTime day2 = day1.plusDays(1);
        emulator.completeAll(emulator.startAttempt(game, "etl", day1, Map.of()));
        emulator.completeAll(emulator.startAttempt(bi, "report", day1, Map.of()));
        emulator.failTask(emulator.startAttempt(game, "etl", day2, Map.of()), "+etl+load", "no data");
        emulator.completeAll(emulator.startAttempt(bi, "report", day2, Map.of()));
        Path file = dir.resolve("backtest.json");
        Files.writeString(file, """
                {"name": "cli-backtest", "team": "bi",
                 "upstreams": [{"digdag": {"server": "main", "project": "%s", "workflow": "etl"}}],
                 "correlation": {"by": "session_date", "zone": "UTC"},
                 "action": {"server": "main", "project": "%s", "workflow": "report"}}
                """.formatted(game, bi));

        Run table = baton(TestTokens.reader(), "rules", "backtest", file.toString(), "--from", "2026-11-24",
                "--to", "2026-11-25", "-o", "table");
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out()).startsWith("SESSION")
                .containsPattern("2026-11-25T00:00:00\\+00:00\\s+never\\s+\\S+Z\\s+STARTED BEFORE UPSTREAMS")
                .contains("2 sessions; started before upstreams: 1");
        Run json = baton(TestTokens.reader(), "rules", "backtest", file.toString(), "--from", "2026-11-24",
                "--to", "2026-11-25");
        assertThat(json.json().path("summary").path("neverFired").get(0).asText())
                .isEqualTo("2026-11-25T00:00:00+00:00");
        assertThat(baton(TestTokens.reader(), "rules", "backtest", file.toString(), "--from", "2026-11-24",
                "--to", "2027-11-25").exit()).as("over 90 days").isEqualTo(BatonCli.USAGE);
    }

    @Test
    void eventsTailFollowsTheEventsTopic() {
        String project = etlProject();
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        CompletableFuture<Run> tail = CompletableFuture.supplyAsync(() -> baton(TestTokens.reader(), "events", "tail",
                "--bootstrap-servers", BatonTestServices.KAFKA, "--topic", events.topic(), "--from-beginning",
                "--project", project, "--limit", "1"));
        emulator.completeAll(attempt);

        Run run = tail.orTimeout(60, TimeUnit.SECONDS).join();
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode event = run.json();
        assertThat(event.path("type").asText()).isEqualTo("io.baton.digdag.attempt.succeeded");
        assertThat(event.path("data").path("attemptId").asText()).isEqualTo(attempt);
        assertThat(event.path("key").asText()).isEqualTo("main/" + project + "/etl");
    }

    @Test
    void asItsOwnProcessItReadsItsSettingsFromTheEnvironmentAndExitsWithItsCode() throws Exception {
        String project = etlProject();
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        emulator.failTask(attempt, "+etl+extract", "no input");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), BatonCli.class.getName(),
                "status", "-p", project, "-w", "etl", "-s", "2026-11-24", "-t", "extract");
        builder.environment().put("BATON_URL", baton.toString());
        builder.environment().put("BATON_TOKEN", TestTokens.reader());
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo(BatonCli.FAILED);
        JsonNode status = MAPPER.readTree(process.getInputStream());
        assertThat(status.path("state").asText()).isEqualTo("error");
        assertThat(status.path("error").asText()).isEqualTo("no input");
    }
}
