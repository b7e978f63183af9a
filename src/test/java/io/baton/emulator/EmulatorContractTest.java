package io.baton.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.baton.digdag.DigdagApiContract;
import io.baton.digdag.DigdagSamples;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.DigdagEndpoint;
import io.baton.digdag.client.DigdagJson;
import io.baton.digdag.client.Project;
import io.baton.digdag.client.Resume;
import io.baton.digdag.client.ServerSettings;
import io.baton.digdag.client.StartRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.baton.emulator.TaskSpec.forEach;
import static io.baton.emulator.TaskSpec.group;
import static io.baton.emulator.TaskSpec.parallel;
import static io.baton.emulator.TaskSpec.task;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives every endpoint of the emulator, through the client and with raw (also bad) requests, and checks each
 * answer against the project's Digdag API contract (digdag-api.yaml) and against the samples of a real server: same
 * keys, same JSON types, same status codes. Every request the client sends must validate too.
 */
class EmulatorContractTest {

    private static final OffsetDateTime DAY = OffsetDateTime.of(2026, 11, 24, 0, 0, 0, 0, ZoneOffset.UTC);
    private static final List<ExchangeCheck.Exchange> EXCHANGES = Collections.synchronizedList(new ArrayList<>());
    private static final List<String> PROBLEMS = Collections.synchronizedList(new ArrayList<>());
    private static DigdagEmulator emulator;
    private static DigdagClient client;
    private static final HttpClient RAW = HttpClient.newHttpClient();

    @BeforeAll
    static void driveEveryEndpoint() throws Exception {
        DigdagApiContract contract = DigdagApiContract.answersOnly();
        emulator = DigdagEmulator.start(EmulatorOptions.defaults().withCheck(exchange -> {
            EXCHANGES.add(exchange);
            List<String> problems = contract.check(exchange);
            PROBLEMS.addAll(problems);
            return problems;
        }));
        client = new DigdagClient("contract", ServerSettings.of(emulator.url()), new SimpleMeterRegistry());
        emulator.project("sample")
                .workflow("etl", WorkflowSpec.sequence(task("extract"),
                        group("transform", task("prepare"), parallel("parallel_group", task("clean_a"),
                                task("clean_b")), task("aggregate")), task("load"), task("notify")))
                .workflow("fail", WorkflowSpec.sequence(task("step1"), task("flaky"), task("step3")))
                .workflow("tz", "Asia/Tokyo", WorkflowSpec.sequence(task("hello")))
                .workflow("sched_daily", "Asia/Tokyo", WorkflowSpec.sequence(task("hello")),
                        ScheduleSpec.daily("07:00:00"));

        client.version();
        Project project = client.projects().get(0);
        client.projectByName("sample");
        client.workflows(project.id());
        String etl = client.workflow(project.id(), "etl").orElseThrow().id();
        String fail = client.workflow(project.id(), "fail").orElseThrow().id();
        String tz = client.workflow(project.id(), "tz").orElseThrow().id();
        raw("GET", "/api/projects/" + project.id(), null);
        raw("GET", "/api/projects/" + project.id() + "/workflows/etl", null);
        raw("GET", "/api/workflows", null);
        raw("GET", "/api/workflows/" + etl, null);
        client.sessions(project.id(), null, null, 100);

        // etl: running, conflict, success, retry, conflicts on the retry
        String first = client.start(new StartRequest(etl, DAY, Map.of("run_by", "sample-client", "batch", 42), null,
                null)).attempt().id();
        client.tasks(first);
        client.attempt(first);
        client.start(StartRequest.of(etl, DAY, Map.of()));
        emulator.completeAll(first);
        client.attempt(first);
        client.tasks(first);
        client.start(new StartRequest(etl, DAY, Map.of("batch", 43), "retry-1", null));
        client.start(new StartRequest(etl, DAY, Map.of(), "retry-1", null));
        client.retries(first);

        // fail: error, resume failed, resume from
        String failed = client.start(StartRequest.of(fail, DAY.minusHours(3), Map.of())).attempt().id();
        emulator.completeTask(failed, "+fail+step1");
        emulator.failTask(failed, "+fail+flaky", "Command failed with code 1 (runtime)");
        client.attempt(failed);
        client.tasks(failed);
        raw("PUT", "/api/attempts", "{\"workflowId\":\"" + fail + "\",\"sessionTime\":\"2026-11-24T06:00:00+09:00\","
                + "\"retryAttemptName\":\"from-step3\",\"resume\":{\"attemptId\":\"" + failed
                + "\",\"mode\":\"from\",\"from\":\"+fail+step3\"},\"params\":{}}");
        String resumed = client.start(new StartRequest(fail, DAY.minusHours(3), Map.of(), "resume-1",
                Resume.failed(failed))).attempt().id();
        client.tasks(resumed);
        emulator.completeAll(resumed);
        raw("PUT", "/api/attempts", "{\"workflowId\":\"" + fail + "\",\"sessionTime\":\"2026-11-23T21:00:00Z\","
                + "\"retryAttemptName\":\"resume-success\",\"resume\":{\"attemptId\":\"" + resumed
                + "\",\"mode\":\"failed\"},\"params\":{}}");
        String from = client.start(new StartRequest(fail, DAY.minusHours(3), Map.of(), "from-step3",
                Resume.from(resumed, "+fail+step3"))).attempt().id();
        client.tasks(from);

        // _retry on a group (duplicated full names), on a task (retry_waiting), for_each> and _error
        emulator.project("sample")
                .workflow("retry_group", WorkflowSpec.sequence(group("grp", task("flaky")).withRetry(1,
                        Duration.ofSeconds(5))))
                .workflow("dyn", WorkflowSpec.sequence(forEach("loop", "region", "us", "eu"),
                        task("retrying").withRetry(1, Duration.ofSeconds(4)))
                        .onError(JsonNodeFactory.instance.objectNode()
                                .put("echo>", "error handler ran")));
        String retried = client.start(StartRequest.of(client.workflow(project.id(), "retry_group").orElseThrow().id(),
                DAY, Map.of())).attempt().id();
        emulator.failTask(retried, "+retry_group+grp+flaky", "Command failed with code 1 (runtime)");
        client.tasks(retried);
        emulator.advanceClock(Duration.ofSeconds(5));
        emulator.completeAll(retried);
        client.tasks(retried);
        String dyn = client.start(StartRequest.of(client.workflow(project.id(), "dyn").orElseThrow().id(), DAY,
                Map.of())).attempt().id();
        emulator.completeTask(dyn, "+dyn+loop^sub+for-0=region=0=us");
        emulator.completeTask(dyn, "+dyn+loop^sub+for-0=region=1=eu");
        emulator.failTask(dyn, "+dyn+retrying", "Command failed with code 1 (runtime)");
        client.tasks(dyn);
        emulator.advanceClock(Duration.ofSeconds(4));
        emulator.failTask(dyn, "+dyn+retrying", "Command failed with code 1 (runtime)");
        client.tasks(dyn);
        emulator.completeAll(dyn);
        client.tasks(dyn);

        // kill
        String killed = client.start(StartRequest.of(etl, DAY.plusHours(12), Map.of("note", "to be killed")))
                .attempt().id();
        client.kill(killed);
        client.attempt(killed);
        client.tasks(killed);
        client.kill(killed);
        emulator.completeAll(killed);
        client.attempt(killed);
        client.tasks(killed);
        raw("POST", "/api/attempts/" + killed + "/kill", "{}");

        // time zones, listings, paging, sessions
        client.attempt(client.start(StartRequest.of(tz, DAY, Map.of())).attempt().id());
        client.attempts(new AttemptQuery(null, null, false, null, 100));
        client.attempts(AttemptQuery.newest(4));
        client.attempts(AttemptQuery.newest(4).before(killed));
        client.attempts(new AttemptQuery("sample", "etl", true, null, 100));
        raw("GET", "/api/attempts?workflow=etl", null);
        raw("GET", "/api/attempts?page_size=0", null);
        raw("GET", "/api/sessions", null);
        raw("GET", "/api/sessions?page_size=3&last_id=5", null);
        raw("GET", "/api/sessions/1", null);
        raw("GET", "/api/sessions/1/attempts", null);
        raw("GET", "/api/sessions/2/attempts?page_size=1", null);
        client.sessions(project.id(), "etl", null, 10);

        // schedules (EmulatedSchedulesTest replays the recorded story)
        String schedule = client.schedules().get(0).id();
        client.schedule(project.id(), "sched_daily");
        client.schedule(project.id(), "nope");
        raw("GET", "/api/schedules?last_id=0", null);
        raw("GET", "/api/projects/" + project.id() + "/schedules", null);
        client.disableSchedule(schedule);
        client.enableSchedule(schedule, true);

        // errors
        raw("GET", "/api/attempts?project=nope", null);
        raw("GET", "/api/attempts?page_size=101", null);
        raw("GET", "/api/attempts/99999", null);
        raw("GET", "/api/attempts/99999/tasks", null);
        raw("GET", "/api/sessions/99999", null);
        raw("PUT", "/api/attempts", "{\"workflowId\":\"" + etl + "\",\"sessionTime\":\"2026-12-01T00:00:00\"}");
        raw("PUT", "/api/attempts", "{\"workflowId\":\"" + etl + "\",\"sessionTime\":\"2026-12-01T00:00:00Z\"}");
        raw("PUT", "/api/attempts", "{\"workflowId\":\"999\",\"sessionTime\":\"2026-12-01T00:00:00Z\",\"params\":{}}");
    }

    @AfterAll
    static void stop() {
        emulator.close();
    }

    @Test
    void everyAnswerValidatesAgainstTheContract() {
        assertThat(EXCHANGES).hasSizeGreaterThan(50);
        assertThat(PROBLEMS).isEmpty();
    }

    @Test
    void everyRequestOfTheClientValidates() {
        DigdagApiContract contract = DigdagApiContract.shared();
        List<ExchangeCheck.Exchange> fromClient = clientExchanges();
        assertThat(fromClient).hasSizeGreaterThan(30);
        fromClient.forEach(exchange -> assertThat(contract.checkRequest(exchange))
                .as(exchange.method() + " " + exchange.path() + "?" + exchange.query()).isEmpty());
        Set<String> used = fromClient.stream().map(e -> endpoint(e).orElseThrow().key()).collect(Collectors.toSet());
        assertThat(used).contains("GET /api/version", "GET /api/projects", "GET /api/projects/{id}/workflows",
                "GET /api/projects/{id}/sessions", "GET /api/attempts", "GET /api/attempts/{id}",
                "GET /api/attempts/{id}/tasks", "GET /api/attempts/{id}/retries", "PUT /api/attempts",
                "POST /api/attempts/{id}/kill");
    }

    @Test
    void answersHaveTheKeysAndTypesOfTheSamples() throws IOException {
        Set<String> uncovered = new TreeSet<>();
        for (DigdagSamples.Sample sample : DigdagSamples.all()) {
            // Schedule answers are compared with the recordings one by one in EmulatedSchedulesTest.
            if (sample.endpoint().isEmpty() || sample.responseBody().isBlank()
                    || sample.endpoint().get().key().contains("/schedules")) {
                continue;
            }
            List<ExchangeCheck.Exchange> answers = EXCHANGES.stream()
                    .filter(e -> endpoint(e).equals(sample.endpoint()) && e.status() == sample.status())
                    .toList();
            if (answers.isEmpty()) {
                uncovered.add(sample.endpoint().get().key() + " " + sample.status() + " (" + sample.name() + ")");
            }
            JsonNode expected = DigdagJson.mapper().readTree(sample.responseBody());
            for (ExchangeCheck.Exchange answer : answers) {
                assertThat(JsonShape.differences(DigdagJson.mapper().readTree(answer.responseBody()), expected))
                        .as("%s %s?%s against %s", answer.method(), answer.path(), answer.query(), sample.name())
                        .isEmpty();
            }
        }
        assertThat(uncovered).as("sample answers the emulator never gave").isEmpty();
    }

    private static List<ExchangeCheck.Exchange> clientExchanges() {
        return EXCHANGES.stream()
                .filter(e -> e.requestHeaders().getOrDefault("user-agent", List.of()).contains("baton"))
                .toList();
    }

    private static Optional<DigdagEndpoint> endpoint(ExchangeCheck.Exchange exchange) {
        return Stream.of(DigdagEndpoint.values())
                .filter(e -> e.match(exchange.method(), exchange.path()).isPresent()).findFirst();
    }

    private static void raw(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(emulator.url() + path));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        RAW.send(request.build(), HttpResponse.BodyHandlers.discarding());
    }
}
