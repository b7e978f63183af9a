package io.baton.backfill;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClients;
import io.baton.emulator.DigdagEmulator;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

import static io.baton.backfill.BackfillApi.as;
import static io.baton.backfill.BackfillApi.backfill;
import static io.baton.backfill.BackfillApi.createRule;
import static io.baton.backfill.BackfillApi.finished;
import static io.baton.backfill.BackfillApi.get;
import static io.baton.backfill.BackfillApi.midnight;
import static io.baton.backfill.BackfillApi.session;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

@QuarkusTest
@TestProfile(PastServerProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class BackfillTest {

    @Inject
    DigdagClients clients;

    private final DigdagEmulator emulator = PastServerProfile.emulator();

    @Test
    void sixtyDaysStartExactlyTheThirtyRunnableOnesNeverMoreThanTheLimitAtOnceAndOnlyOnce() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String game = "game-" + suffix;
        String bi = "bi-" + suffix;
        emulator.project(game).workflow("etl", "UTC", sequence(task("extract"), task("load")));
        emulator.project(bi).workflow("report", "UTC", sequence(task("build")));
        LocalDate day0 = LocalDate.ofInstant(emulator.now(), ZoneOffset.UTC).plusDays(1);

        // 60 days: every sixth upstream failed (10), of the other 50 the first two of every five already ran (20).
        TreeSet<String> runnable = new TreeSet<>();
        TreeSet<String> alreadyRan = new TreeSet<>();
        TreeSet<String> notSatisfied = new TreeSet<>();
        int succeeded = 0;
        for (int i = 0; i < 60; i++) {
            LocalDate day = day0.plusDays(i);
            PastServerProfile.advanceTo(day.atTime(LocalTime.of(1, 0)).toInstant(ZoneOffset.UTC));
            String upstream = emulator.startAttempt(game, "etl", midnight(day), Map.of());
            if (i % 6 == 5) {
                emulator.completeTask(upstream, "+etl+extract");
                emulator.failTask(upstream, "+etl+load", "bad data");
                notSatisfied.add(session(day));
                continue;
            }
            emulator.completeAll(upstream);
            if (succeeded++ % 5 < 2) {
                emulator.completeAll(emulator.startAttempt(bi, "report", midnight(day), Map.of()));
                alreadyRan.add(session(day));
            } else {
                runnable.add(session(day));
            }
        }
        assertThat(runnable).hasSize(30);
        assertThat(alreadyRan).hasSize(20);
        assertThat(notSatisfied).hasSize(10);
        String rule = "report-after-etl-" + suffix;
        createRule(rule, game, bi);
        String from = day0.toString();
        String to = day0.plusDays(59).toString();

        JsonNode plan = finished(rule, backfill(rule, from, to, true), "planned");
        assertThat(sessions(plan, "start")).containsExactlyElementsOf(runnable);
        assertThat(sessions(plan, "already-ran")).containsExactlyElementsOf(alreadyRan);
        assertThat(sessions(plan, "not-satisfied")).containsExactlyElementsOf(notSatisfied);
        plan.path("sessions").forEach(s -> {
            if (s.path("decision").asText().equals("not-satisfied")) {
                assertThat(s.path("reason").asText()).startsWith("not satisfied: ");
            }
        });
        assertThat(plan.path("summary").path("started").asInt()).isZero();
        assertThat(downstreamAttempts(bi)).as("a dry run starts nothing").hasSize(20);

        emulator.resetMaxRunningAttempts();
        long id = backfill(rule, from, to, false);
        // Attempts end only while Baton holds all its slots (or nothing waits any more): with a limit too high the
        // emulator counts more than two at once, with admission stuck the backfill never ends.
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode backfill = get(rule, id);
            List<Attempt> running = downstreamAttempts(bi).stream().filter(a -> !a.done()).toList();
            int waiting = backfill.path("summary").path("waiting").asInt();
            if (!running.isEmpty() && (running.size() >= PastServerProfile.LIMIT || waiting == running.size())) {
                emulator.completeAll(running.get(0).id());
            }
            return backfill.path("state").asText().equals("done");
        });
        // Every start has gone; the last attempts still run, and end now (so they leave their slots for others).
        downstreamAttempts(bi).stream().filter(a -> !a.done()).forEach(a -> emulator.completeAll(a.id()));
        JsonNode done = get(rule, id);
        assertThat(done.path("summary").path("started").asInt()).isEqualTo(30);
        assertThat(done.path("summary").path("failed").asInt()).isZero();
        assertThat(sessions(done, "start")).containsExactlyElementsOf(runnable);
        TreeSet<String> ran = new TreeSet<>();
        downstreamAttempts(bi).forEach(a -> ran.add(a.sessionTime().toLocalDate() + "T00:00:00+00:00"));
        TreeSet<String> expected = new TreeSet<>(alreadyRan);
        expected.addAll(runnable);
        assertThat(downstreamAttempts(bi)).hasSize(50);
        assertThat(ran).isEqualTo(expected);
        assertThat(emulator.maxRunningAttempts()).as("most attempts running at once").isEqualTo(PastServerProfile.LIMIT);

        JsonNode again = finished(rule, backfill(rule, from, to, false), "done");
        assertThat(again.path("summary").path("toStart").asInt()).isZero();
        assertThat(again.path("summary").path("alreadyRan").asInt()).isEqualTo(50);
        assertThat(again.path("summary").path("notSatisfied").asInt()).isEqualTo(10);
        assertThat(downstreamAttempts(bi)).as("run again, it starts nothing").hasSize(50);
    }

    /**
     * A backfill left {@code planning} by a replica that died (its row as that replica left it: its claim, a lease
     * run out) is taken over and planned by this one; a backfill whose planner still holds its lease is left to it.
     */
    @Test
    void aBackfillLeftPlanningByADeadReplicaIsPlannedByALiveOne() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String game = "game-" + suffix;
        String bi = "bi-" + suffix;
        emulator.project(game).workflow("etl", "UTC", sequence(task("load")));
        emulator.project(bi).workflow("report", "UTC", sequence(task("build")));
        LocalDate day = LocalDate.ofInstant(emulator.now(), ZoneOffset.UTC).plusDays(1);
        PastServerProfile.advanceTo(day.atTime(LocalTime.of(1, 0)).toInstant(ZoneOffset.UTC));
        emulator.completeAll(emulator.startAttempt(game, "etl", midnight(day), Map.of()));
        String rule = createRule("dead-planner-" + suffix, game, bi);

        long dead = leftPlanning(rule, day, "a-replica-that-died", "now() - interval '1 second'");
        long alive = leftPlanning(rule, day, "a-replica-still-planning", "now() + interval '1 hour'");
        JsonNode planned = finished(rule, dead, "planned");
        assertThat(planned.path("sessions")).singleElement().satisfies(s -> {
            assertThat(s.path("session").asText()).isEqualTo(session(day));
            assertThat(s.path("decision").asText()).isEqualTo("start");
        });
        assertThat(get(rule, alive).path("state").asText()).isEqualTo("planning");
        assertThat(downstreamAttempts(bi)).as("a dry run starts nothing").isEmpty();
    }

    /** Writes a dry-run backfill of one day as a planning replica leaves it: planning, its claim, its lease. */
    private static long leftPlanning(String rule, LocalDate day, String planner, String leaseUntil) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) Panache.getEntityManager().createNativeQuery(
                        "INSERT INTO rule_backfill (rule_name, from_date, to_date, dry_run, state, requested_by, "
                                + "planner, lease_until) VALUES (:rule, :day, :day, true, 'planning', 'bi-writer', "
                                + ":planner, " + leaseUntil + ") RETURNING id")
                .setParameter("rule", rule).setParameter("day", day).setParameter("planner", planner)
                .getSingleResult()).longValue());
    }

    @Test
    void badInputIsAProblemNamingTheFieldAndOnlyWritersOfTheRulesTeamMayBackfill() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        emulator.project("game-" + suffix).workflow("etl", "UTC", sequence(task("load")));
        emulator.project("bi-" + suffix).workflow("report", "UTC", sequence(task("build")));
        String rule = "bad-input-" + suffix;
        createRule(rule, "game-" + suffix, "bi-" + suffix);
        expectProblem(rule, Map.of("from", "2026-01-05", "to", "2026-01-01"), "to");
        expectProblem(rule, Map.of("from", "2024-12-31", "to", "2026-01-01"), "to");
        expectProblem(rule, Map.of("to", "2026-01-01"), "from");
        expectProblem(rule, Map.of("from", "yesterday", "to", "2026-01-01"), "from");
        expectProblem(rule, Map.of("from", "2026-01-01", "to", "2026-01-02", "dryRun", "perhaps"), "dryRun");
        expectProblem(rule, Map.of("from", "2026-01-01", "to", "2026-01-02", "dry", true), "dry");
        Map<String, Object> fine = Map.of("from", "2026-01-01", "to", "2026-01-02", "dryRun", true);
        as(TestTokens.reader()).body(fine).post("/api/v1/rules/" + rule + ":backfill").then().statusCode(403);
        as(TestTokens.writer("game")).body(fine).post("/api/v1/rules/" + rule + ":backfill").then().statusCode(403);
        as(TestTokens.writer("bi")).body(fine).post("/api/v1/rules/no-such-rule:backfill").then().statusCode(404);
        as(TestTokens.reader()).get("/api/v1/rules/" + rule + "/backfills/999999").then().statusCode(404)
                .contentType("application/problem+json");
        // 366 days is the most; it plans (nothing ran there) and starts nothing.
        JsonNode year = finished(rule, backfill(rule, "2025-01-01", "2026-01-01", true), "planned");
        assertThat(year.path("summary").path("toStart").asInt()).isZero();
    }

    private void expectProblem(String rule, Map<String, Object> body, String field) {
        as(TestTokens.writer("bi")).body(body).post("/api/v1/rules/" + rule + ":backfill").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItem(equalTo(field)));
    }

    private static List<String> sessions(JsonNode backfill, String decision) {
        List<String> sessions = new ArrayList<>();
        backfill.path("sessions").forEach(s -> {
            if (s.path("decision").asText().equals(decision)) {
                sessions.add(s.path("session").asText());
            }
        });
        return sessions;
    }

    private List<Attempt> downstreamAttempts(String project) {
        return clients.client(PastServerProfile.SERVER).attempts(new AttemptQuery(project, "report", true, null, 100));
    }
}
