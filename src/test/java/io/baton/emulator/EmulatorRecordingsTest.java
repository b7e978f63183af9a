package io.baton.emulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.baton.digdag.DigdagSamples;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.DigdagJson;
import io.baton.digdag.client.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.baton.emulator.TaskSpec.forEach;
import static io.baton.emulator.TaskSpec.group;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The emulator plays the projects behind the recordings of a real Digdag server ({@code retry_group.dig},
 * {@code retry_group_wait.dig}, {@code retry_resume.dig}, {@code dyn.dig}) and must list the same task rows at the
 * same moments: names (a retried group repeats them), parents and upstreams, states, which times are set, the retry
 * count, whether an error is recorded.
 */
class EmulatorRecordingsTest {

    private static final OffsetDateTime DAY = OffsetDateTime.of(2026, 11, 30, 0, 0, 0, 0, ZoneOffset.UTC);
    private static final ObjectMapper MAPPER = DigdagJson.mapper();
    private DigdagEmulator emulator;

    @BeforeEach
    void start() {
        emulator = DigdagEmulator.start(EmulatorOptions.defaults());
        emulator.project("retry")
                .workflow("retry_group", sequence(task("prepare"),
                        group("grp", task("first"), task("flaky"), task("after")).withRetry(2, Duration.ZERO),
                        task("done")))
                .workflow("retry_group_wait", sequence(group("grp", task("flaky")).withRetry(1, Duration.ofSeconds(5))))
                .workflow("retry_resume", sequence(task("step1"), task("flaky_once").withRetry(1, Duration.ZERO),
                        group("grp", task("a"), task("b")), task("step3")))
                .workflow("dyn", sequence(forEach("loop", "region", "us", "eu"),
                        task("retrying").withRetry(1, Duration.ofSeconds(4)))
                        .onError(JsonNodeFactory.instance.objectNode().put("echo>", "error handler ran")));
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    @Test
    void aRetriedGroupAddsASecondRowPerChildWithTheSameNameAndKeepsTheFirstOnes() {
        String attempt = emulator.startAttempt("retry", "retry_group", DAY, Map.of());
        emulator.completeTask(attempt, "+retry_group+prepare");
        emulator.completeTask(attempt, "+retry_group+grp+first");
        emulator.failTask(attempt, "+retry_group+grp+flaky", "Command failed with code 1 (runtime)");
        assertThat(shape(emulator.tasks(attempt))).isEqualTo(recorded("163-get-attempt-tasks-retry-group-during"));

        emulator.completeAll(attempt);
        assertThat(shape(emulator.tasks(attempt))).isEqualTo(recorded("164-get-attempt-tasks-retry-group-after"));
        assertThat(emulator.attempt(attempt).status()).isEqualTo(Attempt.SUCCESS);
    }

    @Test
    void aGroupRetryWithAnIntervalWaitsInGroupRetryWaiting() {
        String attempt = emulator.startAttempt("retry", "retry_group_wait", DAY, Map.of());
        emulator.failTask(attempt, "+retry_group_wait+grp+flaky", "Command failed with code 1 (runtime)");
        assertThat(shape(emulator.tasks(attempt))).isEqualTo(recorded("178-get-attempt-tasks-group-retry-waiting"));
        Task waiting = emulator.tasks(attempt).get(1);
        assertThat(Duration.between(waiting.updatedAt(), waiting.retryAt())).isEqualTo(Duration.ofSeconds(5));

        emulator.advanceClock(Duration.ofSeconds(5));
        emulator.completeAll(attempt);
        assertThat(shape(emulator.tasks(attempt))).isEqualTo(recorded("179-get-attempt-tasks-group-retry-wait-after"));
    }

    @Test
    void aResumedAttemptCopiesWhatSucceededWithoutStartTimeAndWithTheOldUpdateTime() {
        String first = emulator.startAttempt("retry", "retry_resume", DAY, Map.of());
        emulator.completeTask(first, "+retry_resume+step1");
        emulator.failTask(first, "+retry_resume+flaky_once", "Command failed with code 1 (runtime)");
        assertThat(state(first, "+retry_resume+flaky_once")).isEqualTo(Task.RETRY_WAITING);
        emulator.advanceClock(Duration.ZERO);
        emulator.completeTask(first, "+retry_resume+flaky_once");
        emulator.completeTask(first, "+retry_resume+grp+a");
        emulator.failTask(first, "+retry_resume+grp+b", "Command failed with code 1 (runtime)");
        assertThat(shape(emulator.tasks(first))).isEqualTo(recorded("167-get-attempt-tasks-resume-original-failed"));

        emulator.advanceClock(Duration.ofSeconds(20));
        Attempt resumed = emulator.attempt(emulator.resumeFailed(first, "resume-1"));
        emulator.completeTask(resumed.id(), "+retry_resume+grp+b");
        assertThat(shape(emulator.tasks(resumed.id()))).isEqualTo(recorded("169-get-attempt-tasks-resumed-running"));
        List<Task> copies = emulator.tasks(resumed.id()).stream().filter(t -> !t.isGroup() && t.startedAt() == null)
                .toList();
        assertThat(copies).extracting(Task::fullName)
                .containsExactly("+retry_resume+step1", "+retry_resume+flaky_once", "+retry_resume+grp+a");
        assertThat(copies).allSatisfy(copy -> {
            assertThat(copy.updatedAt()).isBefore(resumed.createdAt())
                    .isEqualTo(emulator.tasks(first).stream().filter(t -> t.fullName().equals(copy.fullName()))
                            .findFirst().orElseThrow().updatedAt());
            assertThat(Long.parseLong(copy.id())).isGreaterThan(Long.parseLong(
                    emulator.tasks(first).get(emulator.tasks(first).size() - 1).id()));
        });

        emulator.completeAll(resumed.id());
        assertThat(shape(emulator.tasks(resumed.id()))).isEqualTo(recorded("170-get-attempt-tasks-resumed-done"));
    }

    @Test
    void forEachAddsASubGroupAndAFailedAttemptRunsItsErrorTask() {
        String attempt = emulator.startAttempt("retry", "dyn", DAY, Map.of());
        emulator.completeTask(attempt, "+dyn+loop^sub+for-0=region=0=us");
        emulator.completeTask(attempt, "+dyn+loop^sub+for-0=region=1=eu");
        emulator.failTask(attempt, "+dyn+retrying", "Command failed with code 1 (runtime)");
        assertThat(shape(emulator.tasks(attempt))).isEqualTo(recorded("88-get-attempt-tasks-retry-waiting"));

        emulator.advanceClock(Duration.ofSeconds(4));
        emulator.failTask(attempt, "+dyn+retrying", "Command failed with code 1 (runtime)");
        assertThat(emulator.runningTasks(attempt)).containsExactly("+dyn^error");
        emulator.completeAll(attempt);
        assertThat(shape(emulator.tasks(attempt))).isEqualTo(recorded("89-get-attempt-tasks-dynamic-and-error-handler"));
        assertThat(emulator.attempt(attempt).status()).isEqualTo(Attempt.ERROR);
    }

    private String state(String attempt, String fullName) {
        return emulator.tasks(attempt).stream().filter(t -> t.fullName().equals(fullName))
                .max(Comparator.comparingLong(t -> Long.parseLong(t.id()))).orElseThrow().state();
    }

    private static List<String> recorded(String sample) {
        try {
            return shape(List.of(MAPPER.treeToValue(MAPPER.readTree(DigdagSamples.body(sample))
                    .get("tasks"), Task[].class)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One line per task, by id: its name with the number of its copy ({@code #2} for the second row of that name),
     * its parent and upstreams named the same way, and what a client reads from it, without ids and times.
     */
    static List<String> shape(List<Task> tasks) {
        Map<String, String> labels = new HashMap<>();
        Map<String, Integer> copies = new HashMap<>();
        List<Task> byId = tasks.stream().sorted(Comparator.comparingLong(t -> Long.parseLong(t.id()))).toList();
        byId.forEach(t -> labels.put(t.id(), t.fullName() + "#" + copies.merge(t.fullName(), 1, Integer::sum)));
        return byId.stream().map(t -> String.join(" ", labels.get(t.id()),
                "parent=" + labels.get(t.parentId()),
                "upstreams=" + t.upstreams().stream().map(labels::get).toList(),
                t.state(), t.isGroup() ? "group" : "operator",
                t.startedAt() == null ? "not-started" : "started",
                t.retryAt() == null ? "" : "retryAt",
                "stateParams=" + t.stateParams(),
                t.error().isEmpty() ? "" : "error")).toList();
    }
}
