package io.baton.digdag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.emulator.ExchangeCheck;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The recorded answers of a real Digdag server against the client's models and the corrected API description:
 * every sample parses, maps back to the same JSON (so no field is lost and the formats round-trip), and validates.
 */
class DigdagSamplesTest {

    private static final ObjectMapper MAPPER = DigdagJson.mapper();

    @BeforeAll
    static void samplesArePresent() {
        Assumptions.assumeTrue(DigdagSamples.present(), "no samples/ beside swagger.yaml");
    }

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
        assertThat(checked).hasSizeGreaterThan(60);
    }

    /** Requests recorded on purpose against the contract, which Digdag still answered. */
    private static final Map<String, String> TOLERATED_BAD_REQUESTS = Map.of(
            "62-get-attempts-include_retried-1", "include_retried=1 is no boolean; Digdag reads it as false");

    @Test
    void everySampleExchangeValidatesAgainstTheCorrectedSpec() {
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
        Attempt tokyo = MAPPER.readValue(sample("47-get-attempt-tokyo-tz"), Attempt.class);
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

    private static List<Task> tasks(String name) throws IOException {
        return List.of(MAPPER.treeToValue(MAPPER.readTree(sample(name)).get("tasks"), Task[].class));
    }

    private static String sample(String name) {
        return DigdagSamples.all().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow()
                .responseBody();
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
