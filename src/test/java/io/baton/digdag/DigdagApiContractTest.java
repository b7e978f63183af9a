package io.baton.digdag;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.digdag.client.DigdagJson;
import io.baton.emulator.ExchangeCheck;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The project's Digdag API contract (digdag-api.yaml) is strict enough to catch a wrong emulator or client. */
class DigdagApiContractTest {

    private static final ObjectMapper MAPPER = DigdagJson.mapper();
    private final DigdagApiContract contract = DigdagApiContract.answersOnly();

    @Test
    void rejectsAttemptsThatDifferFromDigdags() throws IOException {
        String recorded = DigdagSamples.body("13-get-attempt-running");
        assertThat(answerProblems(recorded, a -> { })).isEmpty();

        assertThat(answerProblems(recorded, a -> a.put("id", 1))).isNotEmpty();
        assertThat(answerProblems(recorded, a -> a.put("createdAt", "2026-11-24T23:14:34.123Z"))).isNotEmpty();
        assertThat(answerProblems(recorded, a -> a.put("sessionTime", "2026-11-24T00:00:00Z"))).isNotEmpty();
        assertThat(answerProblems(recorded, a -> a.remove("status"))).isNotEmpty();
        assertThat(answerProblems(recorded, a -> a.put("timezone", "UTC"))).isNotEmpty();
        assertThat(answerProblems(recorded, a -> a.putNull("retryAttemptName"))).isEmpty();
    }

    @Test
    void rejectsTasksThatDifferFromDigdags() throws IOException {
        String recorded = DigdagSamples.body("89-get-attempt-tasks-dynamic-and-error-handler");
        assertThat(taskProblems(recorded, t -> { })).isEmpty();

        assertThat(taskProblems(recorded, t -> t.put("finishedAt", "2026-11-24T23:14:34Z"))).isNotEmpty();
        assertThat(taskProblems(recorded, t -> t.put("state", "finished"))).isNotEmpty();
        assertThat(taskProblems(recorded, t -> t.put("fullName", "+dyn^unknown"))).isNotEmpty();
        assertThat(taskProblems(recorded, t -> t.remove("isGroup"))).isNotEmpty();
        assertThat(taskProblems(recorded, t -> t.put("updatedAt", "2026-11-24T23:14:34.5Z"))).isNotEmpty();
        assertThat(taskProblems(recorded, t -> t.put("fullName", "+dyn^failure-alert"))).isEmpty();
        assertThat(taskProblems(recorded, t -> t.put("state", "group_retry_waiting"))).isEmpty();
    }

    @Test
    void pagesAtMostAHundredAndReadsOnlyTrueAsTrue() {
        assertThat(listProblems("include_retried=true&page_size=100&last_id=20")).isEmpty();
        assertThat(listProblems("page_size=101")).isNotEmpty();
        assertThat(listProblems("page_size=-1")).isNotEmpty();
        assertThat(listProblems("include_retried=1")).isNotEmpty();
        assertThat(listProblems("last_id=abc")).isNotEmpty();
    }

    @Test
    void conflictsAnswerWithTheAttemptOnStartAndAnErrorOnKill() {
        String attempt = DigdagSamples.body("14-put-attempt-same-sessiontime-conflict");
        String error = DigdagSamples.body("37-post-attempt-kill-finished-conflict");
        assertThat(contract.checkAnswer(exchange("PUT", "/api/attempts", 409, attempt))).isEmpty();
        assertThat(contract.checkAnswer(exchange("PUT", "/api/attempts", 409, error))).isNotEmpty();
        assertThat(contract.checkAnswer(exchange("POST", "/api/attempts/10/kill", 409, error))).isEmpty();
        assertThat(contract.checkAnswer(exchange("POST", "/api/attempts/10/kill", 200, attempt))).isEmpty();
        assertThat(contract.checkAnswer(exchange("POST", "/api/attempts/10/kill", 409,
                "{\"message\":\"done\",\"status\":409,\"error\":\"Conflict\"}"))).isNotEmpty();
    }

    @Test
    void rejectsStartRequestsWithoutParamsOrOffset() {
        assertThat(startProblems("{\"workflowId\":\"1\",\"sessionTime\":\"2026-11-24T00:00:00Z\",\"params\":{}}"))
                .isEmpty();
        assertThat(startProblems("{\"workflowId\":\"1\",\"sessionTime\":\"2026-11-24T00:00:00Z\"}")).isNotEmpty();
        assertThat(startProblems("{\"workflowId\":\"1\",\"sessionTime\":\"2026-11-24T00:00:00\",\"params\":{}}"))
                .isNotEmpty();
        assertThat(startProblems("{\"workflowId\":\"1\",\"sessionTime\":\"2026-11-24T00:00:00+09:00\",\"params\":{},"
                + "\"resume\":{\"attemptId\":\"7\",\"mode\":\"sideways\"}}")).isNotEmpty();
    }

    private List<String> answerProblems(String attempt, Consumer<ObjectNode> change) throws IOException {
        ObjectNode json = (ObjectNode) MAPPER.readTree(attempt);
        change.accept(json);
        return contract.checkAnswer(new ExchangeCheck.Exchange("GET", "/api/attempts/1", null, Map.of(), "", 200,
                "application/json", MAPPER.writeValueAsString(json)));
    }

    /** Changes the last task of a recorded task list. */
    private List<String> taskProblems(String tasks, Consumer<ObjectNode> change) throws IOException {
        ObjectNode json = (ObjectNode) MAPPER.readTree(tasks);
        change.accept((ObjectNode) json.get("tasks").get(json.get("tasks").size() - 1));
        return contract.checkAnswer(exchange("GET", "/api/attempts/25/tasks", 200, MAPPER.writeValueAsString(json)));
    }

    private List<String> listProblems(String query) {
        return contract.checkRequest(new ExchangeCheck.Exchange("GET", "/api/attempts", query, Map.of(), "", 200,
                "application/json", "{\"attempts\":[]}"));
    }

    private static ExchangeCheck.Exchange exchange(String method, String path, int status, String body) {
        return new ExchangeCheck.Exchange(method, path, null, Map.of(), "", status, "application/json", body);
    }

    private List<String> startProblems(String body) {
        return contract.checkRequest(new ExchangeCheck.Exchange("PUT", "/api/attempts", null,
                Map.of("content-type", List.of("application/json")), body, 200, "application/json", "{}"));
    }
}
