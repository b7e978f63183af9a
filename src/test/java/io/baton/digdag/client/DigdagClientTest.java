package io.baton.digdag.client;

import io.baton.BatonTestServices;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.WorkflowSpec;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.baton.emulator.TaskSpec.group;
import static io.baton.emulator.TaskSpec.parallel;
import static io.baton.emulator.TaskSpec.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The Digdag client against the shared emulator: reads, idempotent starts, paging, retries and timeouts. */
@QuarkusTest
@TestProfile(DigdagClientTest.WithoutWatcher.class)
@QuarkusTestResource(BatonTestServices.class)
class DigdagClientTest {

    /** Faults injected into the shared emulator must meet this test's calls, not the watcher's polling. */
    public static class WithoutWatcher implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.watch.enabled", "false");
        }
    }

    private static final OffsetDateTime DAY = OffsetDateTime.of(2026, 11, 24, 0, 0, 0, 0, ZoneOffset.UTC);
    private static final WorkflowSpec ETL = WorkflowSpec.sequence(task("extract"),
            group("transform", parallel("clean", task("clean_a"), task("clean_b"))), task("load"));

    @Inject
    DigdagClients clients;

    @Inject
    MeterRegistry registry;

    private final DigdagEmulator emulator = BatonTestServices.emulator();
    private DigdagClient client;
    private String project;

    @BeforeEach
    void defineProject() {
        client = clients.client(BatonTestServices.DIGDAG_SERVER);
        project = "client-" + UUID.randomUUID().toString().substring(0, 8);
        emulator.project(project).workflow("etl", ETL).workflow("tz", "Asia/Tokyo", WorkflowSpec.sequence(task("a")));
    }

    @AfterEach
    void clearFaults() {
        emulator.faults().clear();
    }

    @Test
    void readsProjectsAndWorkflows() {
        assertThat(client.version()).isNotBlank();
        Project found = client.projectByName(project).orElseThrow();
        assertThat(client.projects()).extracting(Project::name).contains(project);
        assertThat(client.workflows(found.id())).extracting(Workflow::name).containsExactly("etl", "tz");
        Workflow etl = client.workflow(found.id(), "etl").orElseThrow();
        assertThat(etl.id()).isEqualTo(emulator.project(project).workflowId("etl"));
        assertThat(etl.config().has("+transform")).isTrue();
        assertThat(client.workflow(found.id(), "nope")).isEmpty();
        assertThat(client.projectByName("nope-" + project)).isEmpty();
        assertThatThrownBy(() -> clients.client("nope")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void startingTheSameSessionTwiceReturnsTheExistingAttempt() {
        String workflowId = workflowId("etl");
        StartResult first = client.start(StartRequest.of(workflowId, DAY, Map.of("batch", 42)));
        StartResult again = client.start(StartRequest.of(workflowId, DAY, Map.of("batch", 43)));

        assertThat(first.created()).isTrue();
        assertThat(again.created()).isFalse();
        assertThat(again.attempt().id()).isEqualTo(first.attempt().id());
        assertThat(again.attempt().params().get("batch").asInt()).isEqualTo(42);

        StartResult retry = client.start(new StartRequest(workflowId, DAY, Map.of(), "retry-1", null));
        assertThat(retry.created()).isTrue();
        assertThat(retry.attempt().index()).isEqualTo(2);
        assertThat(retry.attempt().sessionId()).isEqualTo(first.attempt().sessionId());
        assertThat(client.start(new StartRequest(workflowId, DAY, Map.of(), "retry-1", null)).created()).isFalse();
        assertThat(client.retries(first.attempt().id())).extracting(Attempt::id)
                .containsExactly(first.attempt().id(), retry.attempt().id());
    }

    @Test
    void followsTasksToTheEndOfAnAttempt() {
        Attempt started = client.start(StartRequest.of(workflowId("etl"), DAY, Map.of())).attempt();
        assertThat(started.status()).isEqualTo(Attempt.RUNNING);
        assertThat(running(started.id())).containsExactly("+etl+extract");

        emulator.completeTask(started.id(), "+etl+extract");
        assertThat(running(started.id())).containsExactly("+etl+transform+clean+clean_a",
                "+etl+transform+clean+clean_b");
        emulator.completeAll(started.id());

        Attempt done = client.attempt(started.id());
        assertThat(done.done()).isTrue();
        assertThat(done.status()).isEqualTo(Attempt.SUCCESS);
        assertThat(done.finishedAt()).isNotNull();
        List<Task> tasks = client.tasks(started.id());
        assertThat(tasks).allMatch(Task::isDone);
        Task cleanB = tasks.stream().filter(t -> t.fullName().endsWith("clean_b")).findFirst().orElseThrow();
        assertThat(cleanB.name().path()).containsExactly("transform", "clean", "clean_b");
        assertThat(cleanB.upstreams()).isEmpty();
    }

    @Test
    void aFailedAttemptEndsInError() {
        String attemptId = client.start(StartRequest.of(workflowId("etl"), DAY, Map.of())).attempt().id();
        emulator.failTask(attemptId, "+etl+extract", "boom");

        assertThat(client.attempt(attemptId).status()).isEqualTo(Attempt.ERROR);
        List<Task> tasks = client.tasks(attemptId);
        assertThat(tasks).filteredOn(t -> t.fullName().equals("+etl+extract"))
                .singleElement().satisfies(t -> assertThat(t.error().get("message").asText()).isEqualTo("boom"));
        assertThat(tasks).filteredOn(t -> t.name().isGenerated()).extracting(Task::fullName)
                .containsExactly("+etl^failure-alert");
        assertThat(tasks.get(0).state()).isEqualTo(Task.GROUP_ERROR);

        StartResult resumed = client.start(new StartRequest(workflowId("etl"), DAY, Map.of(), "resume-1",
                Resume.failed(attemptId)));
        assertThat(resumed.created()).isTrue();
        assertThat(running(resumed.attempt().id())).containsExactly("+etl+extract");
    }

    @Test
    void killWaitsForRunningTasks() {
        String attemptId = client.start(StartRequest.of(workflowId("etl"), DAY, Map.of())).attempt().id();

        assertThat(client.kill(attemptId).cancelRequested()).isFalse();
        Attempt killing = client.attempt(attemptId);
        assertThat(killing.cancelRequested()).isTrue();
        assertThat(killing.status()).isEqualTo(Attempt.RUNNING);

        emulator.completeTask(attemptId, "+etl+extract");
        assertThat(client.attempt(attemptId).status()).isEqualTo(Attempt.KILLED);
        assertThat(client.kill(attemptId).status()).isEqualTo(Attempt.KILLED);
    }

    @Test
    void keepsTheSessionTimeOffsetOfTheWorkflowTimeZone() {
        Attempt attempt = client.start(StartRequest.of(workflowId("tz"), DAY, Map.of())).attempt();
        assertThat(attempt.sessionTime()).isEqualTo(OffsetDateTime.parse("2026-11-24T09:00:00+09:00"));
        assertThat(attempt.sessionTime().getOffset()).isEqualTo(ZoneOffset.ofHours(9));
    }

    @Test
    void pagesBackwardsPastAHundredAttempts() {
        List<String> started = new ArrayList<>();
        for (int i = 0; i < 130; i++) {
            started.add(emulator.startAttempt(project, "etl", DAY.plusHours(i), Map.of()));
        }
        AttemptQuery query = new AttemptQuery(project, "etl", true, null, AttemptQuery.MAX_PAGE_SIZE);
        List<String> seen = new ArrayList<>();
        List<Attempt> page = client.attempts(query);
        assertThat(page).hasSize(100);
        while (!page.isEmpty()) {
            page.forEach(a -> seen.add(a.id()));
            page = client.attempts(query.before(page.get(page.size() - 1).id()));
        }
        Collections.reverse(started);
        assertThat(seen).hasSize(130).containsExactlyElementsOf(started);

        // A page over 100 is Digdag's 400 too, but the shared emulator's contract rejects such a request outright.
        String succeeded = emulator.startAttempt(project, "etl", DAY.minusDays(1), Map.of());
        emulator.completeAll(succeeded);
        assertThatThrownBy(() -> client.start(new StartRequest(workflowId("etl"), DAY.minusDays(1), Map.of(),
                "resume-done", Resume.failed(succeeded))))
                .isInstanceOfSatisfying(DigdagException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> client.attempts(new AttemptQuery("nope-" + project, null, true, null, 10)))
                .isInstanceOf(DigdagNotFoundException.class);
    }

    @Test
    void triesAgainAfter503() {
        String attemptId = client.start(StartRequest.of(workflowId("etl"), DAY, Map.of())).attempt().id();
        emulator.resetCounts();
        emulator.faults().respondWith(503, 2);

        assertThat(client.attempt(attemptId).id()).isEqualTo(attemptId);
        assertThat(emulator.requestCount("GET /api/attempts/{id}")).isEqualTo(3);
        assertThat(registry.find("baton.digdag.requests").tags("server", BatonTestServices.DIGDAG_SERVER,
                "endpoint", "/api/attempts/{id}", "method", "GET", "status", "503").timer().count())
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void givesUpAfterMaxAttempts() {
        emulator.resetCounts();
        emulator.faults().respondWith(500, 10);

        assertThatThrownBy(() -> client.version())
                .isInstanceOfSatisfying(DigdagUnavailableException.class, e -> assertThat(e.status()).isEqualTo(500));
        assertThat(emulator.requestCount("GET /api/version")).isEqualTo(3);
    }

    @Test
    void neverTriesA4xxAgain() {
        emulator.resetCounts();

        assertThatThrownBy(() -> client.attempt("987654321")).isInstanceOf(DigdagNotFoundException.class);
        assertThat(emulator.requestCount("GET /api/attempts/{id}")).isEqualTo(1);
    }

    @Test
    void timesOutASlowAnswer() {
        DigdagClient impatient = new DigdagClient("impatient", ServerSettings.of(emulator.url())
                .withReadTimeout(Duration.ofMillis(200)).withMaxAttempts(2), new SimpleMeterRegistry());
        emulator.resetCounts();
        emulator.faults().latency(Duration.ofSeconds(1));

        assertThatThrownBy(impatient::version)
                .isInstanceOfSatisfying(DigdagUnavailableException.class, e -> assertThat(e.status()).isZero());
        assertThat(emulator.requestCount("GET /api/version")).isEqualTo(2);
    }

    @Test
    void survivesRefusedConnections() {
        DigdagClient once = new DigdagClient("once", ServerSettings.of(emulator.url()).withMaxAttempts(1),
                new SimpleMeterRegistry());
        emulator.faults().refuseConnections(Duration.ofSeconds(1));

        assertThatThrownBy(once::version).isInstanceOf(DigdagUnavailableException.class)
                .hasMessageContaining("ConnectException");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> !once.version().isEmpty());
    }

    private String workflowId(String workflow) {
        Project found = client.projectByName(project).orElseThrow();
        return client.workflow(found.id(), workflow).orElseThrow().id();
    }

    private List<String> running(String attemptId) {
        return client.tasks(attemptId).stream().filter(t -> Task.RUNNING.equals(t.state())).map(Task::fullName)
                .toList();
    }
}
