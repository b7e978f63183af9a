package io.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.baton.backfill.PastServerProfile;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClients;
import io.baton.emulator.DigdagEmulator;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.baton.backfill.BackfillApi.createRule;
import static io.baton.backfill.BackfillApi.midnight;
import static io.baton.backfill.BackfillApi.session;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@TestProfile(PastServerProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class BackfillCommandTest {

    @TestHTTPResource("/")
    URL baton;

    @Inject
    DigdagClients clients;

    private final DigdagEmulator emulator = PastServerProfile.emulator();

    private record Run(int exit, String out, String err) {
    }

    @Test
    void rulesBackfillPlansWithDryRunThenStartsAndShowsProgressOnStderr() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String game = "game-" + suffix;
        String bi = "bi-" + suffix;
        emulator.project(game).workflow("etl", "UTC", sequence(task("load")));
        emulator.project(bi).workflow("report", "UTC", sequence(task("build")));
        LocalDate day0 = LocalDate.ofInstant(emulator.now(), ZoneOffset.UTC).plusDays(1);
        for (int i = 0; i < 3; i++) {
            LocalDate day = day0.plusDays(i);
            PastServerProfile.advanceTo(day.atTime(LocalTime.of(1, 0)).toInstant(ZoneOffset.UTC));
            String upstream = emulator.startAttempt(game, "etl", midnight(day), Map.of());
            if (i == 1) {
                emulator.failTask(upstream, "+etl+load", "bad data");
            } else {
                emulator.completeAll(upstream);
            }
        }
        String rule = createRule("cli-" + suffix, game, bi);
        String from = day0.toString();
        String to = day0.plusDays(2).toString();

        Run plan = baton("rules", "backfill", rule, "--from", from, "--to", to, "--dry-run", "--interval", "200ms");
        assertThat(plan.exit()).as(plan.err()).isZero();
        JsonNode planned = new ObjectMapper().readTree(plan.out());
        assertThat(planned.path("state").asText()).isEqualTo("planned");
        assertThat(planned.path("summary").path("toStart").asInt()).isEqualTo(2);
        assertThat(planned.path("summary").path("notSatisfied").asInt()).isEqualTo(1);
        assertThat(downstream(bi)).isEmpty();

        Run started = baton("-o", "table", "rules", "backfill", rule, "--from", from, "--to", to, "--interval",
                "200ms");
        assertThat(started.exit()).as(started.err()).isZero();
        assertThat(started.err()).contains("] 2/2 started 2, failed 0, waiting 0");
        assertThat(started.out()).contains(session(day0) + "  start", session(day0.plusDays(1)) + "  not-satisfied")
                .contains("3 sessions: 2 to start, 0 already ran, 1 not satisfied; started 2, failed 0");
        List<Attempt> attempts = downstream(bi);
        assertThat(attempts).hasSize(2);
        attempts.forEach(a -> emulator.completeAll(a.id()));

        Run bad = baton("rules", "backfill", rule, "--from", to, "--to", from);
        assertThat(bad.exit()).isEqualTo(BatonCli.USAGE);
        assertThat(bad.err()).contains("to: must not be before from");
    }

    private List<Attempt> downstream(String project) {
        return clients.client(PastServerProfile.SERVER).attempts(new AttemptQuery(project, "report", true, null, 100));
    }

    private Run baton(String... args) {
        List<String> line = new java.util.ArrayList<>(List.of("--url", baton.toString(), "--token",
                TestTokens.writer("bi")));
        line.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = BatonCli.run(line.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
