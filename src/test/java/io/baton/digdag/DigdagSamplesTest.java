package io.baton.digdag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.DigdagEndpoint;
import io.baton.digdag.client.DigdagJson;
import io.baton.digdag.client.Project;
import io.baton.digdag.client.Schedule;
import io.baton.digdag.client.Session;
import io.baton.digdag.client.Task;
import io.baton.digdag.client.TaskName;
import io.baton.digdag.client.Workflow;
import io.baton.emulator.ExchangeCheck;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The recorded answers of a real Digdag server against the client's models and the project's API contract:
 * every sample parses, maps back to the same JSON (so no field is lost and the formats round-trip), and validates.
 */
class DigdagSamplesTest {

    private static final ObjectMapper MAPPER = DigdagJson.mapper();

    @Test
    void everySampleMapsToTheModelsAndBackUnchanged() throws IOException {
        List<DigdagSamples.Sample> checked = new ArrayList<>();
        for (DigdagSamples.Sample sample : DigdagSamples.all()) {
            if (sample.endpoint().isEmpty()) {
                continue;
            }
            JsonNode recorded = MAPPER.readTree(sample.responseBody());
            assertThat(roundTrip(sample.endpoint().get(), sample.status(), recorded)).as(sample.name())
                    .isEqualTo(recorded);
            checked.add(sample);
        }
        assertThat(checked).hasSizeGreaterThan(120).extracting(DigdagSamples.Sample::name)
                .contains("164-get-attempt-tasks-retry-group-after", "169-get-attempt-tasks-resumed-running",
                        "178-get-attempt-tasks-group-retry-waiting", "204-get-attempts-sched-after-catch-up");
    }

    /** Requests recorded on purpose against the contract, which Digdag still answered. */
    private static final Map<String, String> TOLERATED_BAD_REQUESTS = Map.of(
            "62-get-attempts-include_retried-1", "include_retried=1 is no boolean; Digdag reads it as false");

    @Test
    void everySampleExchangeValidatesAgainstTheContract() {
        DigdagApiContract contract = DigdagApiContract.answersOnly();
        for (DigdagSamples.Sample sample : DigdagSamples.all()) {
            if (sample.endpoint().isEmpty()) {
                continue;
            }
            Map<String, List<String>> headers = sample.requestContentType() == null ? Map.of()
                    : Map.of("content-type", List.of(sample.requestContentType()));
            ExchangeCheck.Exchange exchange = new ExchangeCheck.Exchange(sample.method(), sample.path(),
                    sample.query(), headers, sample.requestBody(), sample.status(), "application/json",
                    sample.responseBody());
            assertThat(contract.checkAnswer(exchange)).as(sample.name()).isEmpty();
            if (TOLERATED_BAD_REQUESTS.containsKey(sample.name())) {
                assertThat(contract.checkRequest(exchange)).as(sample.name()).isNotEmpty();
            } else if (sample.status() < 400 || sample.status() == 409) {
                assertThat(contract.checkRequest(exchange)).as(sample.name()).isEmpty();
            }
        }
    }

    @Test
    void sessionTimesKeepTheirOffsetAndTaskNamesSplit() throws IOException {
        Attempt tokyo = MAPPER.readValue(DigdagSamples.body("47-get-attempt-tokyo-tz"), Attempt.class);
        assertThat(tokyo.sessionTime().getOffset()).isEqualTo(ZoneOffset.ofHours(9));
        assertThat(tokyo.status()).isEqualTo(Attempt.SUCCESS);

        List<Task> tasks = tasks("89-get-attempt-tasks-dynamic-and-error-handler");
        TaskName loop = tasks.stream().map(Task::name).filter(n -> n.fullName().equals("+dyn+loop^sub+for-0=region=1=eu"))
                .findFirst().orElseThrow();
        assertThat(loop.workflow()).isEqualTo("dyn");
        assertThat(loop.path()).containsExactly("loop", "sub", "for-0=region=1=eu");
        assertThat(loop.isGenerated()).isTrue();
        assertThat(loop.localName()).isEqualTo("for-0=region=1=eu");

        List<Task> failed = tasks("24-get-attempt-tasks-failed");
        assertThat(failed.get(0).name().isRoot()).isTrue();
        assertThat(failed.get(0).isGroup()).isTrue();
        assertThat(failed).filteredOn(Task::isDone).extracting(Task::fullName)
                .containsExactly("+fail", "+fail+step1", "+fail+flaky", "+fail^failure-alert");
    }

    /** A group {@code _retry} keeps the first rows of its children and adds new ones with the same names. */
    @Test
    void retriedGroupsListEachChildAgainUnderItsNameWithAHigherId() throws IOException {
        for (String name : List.of("162-put-attempt-retry-group", "165-get-attempt-retry-group-after",
                "177-put-attempt-retry-group-wait")) {
            assertThat(roundTrip(DigdagEndpoint.ATTEMPT, 200, MAPPER.readTree(sample(name)))).as(name)
                    .isEqualTo(MAPPER.readTree(sample(name)));
        }
        assertThat(MAPPER.readValue(sample("165-get-attempt-retry-group-after"), Attempt.class).status())
                .isEqualTo(Attempt.SUCCESS);

        List<Task> during = tasks("163-get-attempt-tasks-retry-group-during");
        assertThat(during).filteredOn(t -> t.fullName().equals("+retry_group+grp+flaky"))
                .extracting(Task::id, Task::state).containsExactly(tuple("15", Task.ERROR), tuple("19", Task.BLOCKED));
        assertThat(during).filteredOn(t -> t.fullName().equals("+retry_group+grp+first"))
                .extracting(Task::id, Task::state).containsExactly(tuple("14", Task.SUCCESS), tuple("18", Task.RUNNING));
        Task group = during.stream().filter(t -> t.id().equals("13")).findFirst().orElseThrow();
        assertThat(group.state()).isEqualTo(Task.PLANNED);
        assertThat(group.stateParams().get("retry_count").asInt()).isEqualTo(1);

        List<Task> after = tasks("164-get-attempt-tasks-retry-group-after");
        assertThat(after).extracting(Task::id).doesNotHaveDuplicates();
        assertThat(after).filteredOn(t -> t.fullName().equals("+retry_group+grp+flaky"))
                .extracting(Task::id, Task::state).containsExactly(tuple("15", Task.ERROR), tuple("19", Task.SUCCESS));
        assertThat(after).filteredOn(t -> t.fullName().equals("+retry_group+grp+after"))
                .extracting(Task::state, Task::upstreams)
                .containsExactly(tuple(Task.BLOCKED, List.of("15")), tuple(Task.SUCCESS, List.of("19")));

        Task waiting = tasks("178-get-attempt-tasks-group-retry-waiting").get(1);
        assertThat(waiting.state()).isEqualTo(Task.GROUP_RETRY_WAITING);
        assertThat(waiting.isDone()).isFalse();
        assertThat(waiting.retryAt()).isEqualTo(waiting.updatedAt().plusSeconds(5));
        assertThat(tasks("179-get-attempt-tasks-group-retry-wait-after"))
                .filteredOn(t -> t.fullName().equals("+retry_group_wait+grp+flaky"))
                .extracting(Task::id, Task::state).containsExactly(tuple("42", Task.ERROR), tuple("43", Task.SUCCESS));
    }

    /** A resumed attempt lists what it copied as success from the start, never started, with the old update time. */
    @Test
    void resumedAttemptsListCopiedTasksThatTheClientTellsFromTasksThatRan() throws IOException {
        Attempt original = MAPPER.readValue(sample("166-put-attempt-retry-resume-first"), Attempt.class);
        Attempt resumed = MAPPER.readValue(sample("168-put-attempt-resume-failed"), Attempt.class);
        Attempt done = MAPPER.readValue(sample("171-get-attempt-resumed-done"), Attempt.class);
        assertThat(resumed.sessionUuid()).isEqualTo(original.sessionUuid());
        assertThat(resumed.index()).isEqualTo(2);
        assertThat(resumed.retryAttemptName()).isEqualTo("resume-1");
        assertThat(done.status()).isEqualTo(Attempt.SUCCESS);

        List<Task> failed = tasks("167-get-attempt-tasks-resume-original-failed");
        // Tasks that ran have a start time; groups and blocked tasks have none but are no copies either.
        assertThat(failed).noneMatch(t -> t.isCopiedInto(resumed));
        for (String name : List.of("169-get-attempt-tasks-resumed-running", "170-get-attempt-tasks-resumed-done")) {
            List<Task> tasks = tasks(name);
            assertThat(tasks).as(name).filteredOn(t -> t.isCopiedInto(done)).extracting(Task::fullName)
                    .containsExactly("+retry_resume+step1", "+retry_resume+flaky_once", "+retry_resume+grp+a");
            assertThat(tasks).as(name).filteredOn(t -> t.isCopiedInto(done))
                    .allSatisfy(copy -> assertThat(copy.updatedAt()).isBefore(done.createdAt())
                            .isEqualTo(failed.stream().filter(t -> t.fullName().equals(copy.fullName()))
                                    .findFirst().orElseThrow().updatedAt()));
        }
        assertThat(MAPPER.readTree(sample("172-get-logs-files-resumed-attempt")).get("files"))
                .extracting(f -> f.get("taskName").asText())
                .containsExactlyInAnyOrder("+retry_resume+grp+b", "+retry_resume+step3");
    }

    private static List<Task> tasks(String name) throws IOException {
        List<Task> tasks = List.of(MAPPER.treeToValue(MAPPER.readTree(sample(name)).get("tasks"), Task[].class));
        assertThat(list(MAPPER.readTree(sample(name)), "tasks", Task.class)).as(name)
                .isEqualTo(MAPPER.readTree(sample(name)));
        return tasks;
    }

    private static String sample(String name) {
        return DigdagSamples.body(name);
    }

    /** Parses the answer as the client does and writes it back with Digdag's wire format. */
    static JsonNode roundTrip(DigdagEndpoint endpoint, int status, JsonNode body) throws IOException {
        if (status >= 400 && !(status == 409 && endpoint == DigdagEndpoint.START_ATTEMPT)) {
            return body; // error bodies are read as {message, status} only
        }
        return switch (endpoint) {
            case VERSION -> body;
            case PROJECTS -> list(body, "projects", Project.class);
            case PROJECT -> one(body, Project.class);
            case PROJECT_WORKFLOWS, WORKFLOWS -> list(body, "workflows", Workflow.class);
            case PROJECT_WORKFLOW, WORKFLOW -> one(body, Workflow.class);
            case PROJECT_SESSIONS, SESSIONS -> list(body, "sessions", Session.class);
            case SESSION -> one(body, Session.class);
            case SESSION_ATTEMPTS, ATTEMPTS, ATTEMPT_RETRIES -> list(body, "attempts", Attempt.class);
            case ATTEMPT, START_ATTEMPT, KILL_ATTEMPT -> one(body, Attempt.class);
            case ATTEMPT_TASKS -> list(body, "tasks", Task.class);
            case SCHEDULES, PROJECT_SCHEDULES -> list(body, "schedules", Schedule.class);
            case SCHEDULE, DISABLE_SCHEDULE, ENABLE_SCHEDULE, SKIP_SCHEDULE -> one(body, Schedule.class);
        };
    }

    private static JsonNode one(JsonNode body, Class<?> type) throws IOException {
        return MAPPER.valueToTree(MAPPER.treeToValue(body, type));
    }

    private static JsonNode list(JsonNode body, String field, Class<?> type) throws IOException {
        List<Object> items = new ArrayList<>();
        for (JsonNode item : body.get(field)) {
            items.add(MAPPER.treeToValue(item, type));
        }
        return MAPPER.valueToTree(Map.of(field, items));
    }
}
