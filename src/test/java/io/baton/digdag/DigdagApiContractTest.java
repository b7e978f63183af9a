package io.baton.digdag;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.emulator.ExchangeCheck;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The corrected API description is strict enough to catch what a wrong emulator or client would send. */
class DigdagApiContractTest {

    private static final ObjectMapper MAPPER = DigdagJson.mapper();
    private final DigdagApiContract contract = DigdagApiContract.answersOnly();

    @Test
    void rejectsAttemptsThatDifferFromDigdags() throws IOException {
        Assumptions.assumeTrue(DigdagSamples.present());
        String recorded = DigdagSamples.all().stream().filter(s -> s.name().startsWith("13-")).findFirst()
                .orElseThrow().responseBody();
        assertThat(answerProblems(recorded, a -> { })).isEmpty();

        assertThat(answerProblems(recorded, a -> a.put("id", 1))).isNotEmpty();
        assertThat(answerProblems(recorded, a -> a.put("createdAt", "2026-11-24T23:14:34.123Z"))).isNotEmpty();
        assertThat(answerProblems(recorded, a -> a.put("sessionTime", "2026-11-24T00:00:00Z"))).isNotEmpty();
        assertThat(answerProblems(recorded, a -> a.remove("status"))).isNotEmpty();
        assertThat(answerProblems(recorded, a -> a.put("timezone", "UTC"))).isNotEmpty();
        assertThat(answerProblems(recorded, a -> a.putNull("retryAttemptName"))).isEmpty();
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

    private List<String> startProblems(String body) {
        return contract.checkRequest(new ExchangeCheck.Exchange("PUT", "/api/attempts", null,
                Map.of("content-type", List.of("application/json")), body, 200, "application/json", "{}"));
    }
}
