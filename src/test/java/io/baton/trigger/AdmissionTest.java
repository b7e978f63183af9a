package io.baton.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.baton.backfill.PastServerProfile;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClients;
import io.baton.emulator.DigdagEmulator;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.baton.backfill.BackfillApi.as;
import static io.baton.backfill.BackfillApi.backfill;
import static io.baton.backfill.BackfillApi.createRule;
import static io.baton.backfill.BackfillApi.finished;
import static io.baton.backfill.BackfillApi.get;
import static io.baton.backfill.BackfillApi.midnight;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Admission control on the emulator, with a limit of two running attempts per Digdag server. */
@QuarkusTest
@TestProfile(PastServerProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class AdmissionTest {

    @Inject
    DigdagClients clients;

    @Inject
    Admission admission;

    @Inject
    RuleIndex index;

    private final DigdagEmulator emulator = PastServerProfile.emulator();

    @Test
    void fiveStartsRunTwoAtATimeAndOrdinaryTriggersGoBeforeBackfillStarts() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String game = "game-" + suffix;
        String bi = "bi-" + suffix;
        emulator.project(game).workflow("etl", "UTC", sequence(task("load")));
        emulator.project(bi).workflow("report", "UTC", sequence(task("build")));
        LocalDate day0 = LocalDate.ofInstant(emulator.now(), ZoneOffset.UTC).plusDays(1);
        for (int i = 0; i < 3; i++) {
            PastServerProfile.advanceTo(day0.plusDays(i).atTime(LocalTime.of(1, 0)).toInstant(ZoneOffset.UTC));
            emulator.completeAll(emulator.startAttempt(game, "etl", midnight(day0.plusDays(i)), Map.of()));
        }
        String rule = createRule("admission-" + suffix, game, bi);
        emulator.resetMaxRunningAttempts();

        long backfill = backfill(rule, day0.toString(), day0.plusDays(2).toString(), false);
        await().atMost(Duration.ofMinutes(1)).until(() -> running(bi).size() == 2
                && get(rule, backfill).path("summary").path("waiting").asInt() == 1);
        LocalDate first = day0.plusDays(10);
        LocalDate second = day0.plusDays(11);
        for (LocalDate day : List.of(first, second)) {
            JsonNode fired = as(TestTokens.writer("bi")).post("/api/v1/rules/" + rule + "/fire?session=" + day)
                    .then().statusCode(201).extract().as(JsonNode.class);
            assertThat(fired.path("run").path("state").asText()).as("it waits for a slot").isEqualTo("pending");
        }
        assertThat(attempts(bi)).hasSize(2);

        // Each time one attempt ends, the next in line starts: the two ordinary triggers, then the backfill's third.
        List<LocalDate> after = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            emulator.completeAll(running(bi).get(0).id());
            int started = 3 + i;
            await().atMost(Duration.ofMinutes(1)).until(() -> attempts(bi).size() == started);
            after.add(attempts(bi).stream().max(Comparator.comparingLong(a -> Long.parseLong(a.id()))).orElseThrow()
                    .sessionTime().toLocalDate());
            assertThat(running(bi)).hasSizeLessThanOrEqualTo(2);
        }
        assertThat(after).containsExactly(first, second, day0.plusDays(2));
        running(bi).forEach(a -> emulator.completeAll(a.id()));
        assertThat(emulator.maxRunningAttempts()).as("most attempts running at once").isEqualTo(2);
        assertThat(finished(rule, backfill, "done").path("summary").path("started").asInt()).isEqualTo(3);
    }

    @Test
    void aStartDigdagRefusesForTooManyRunningAttemptsWaitsAndStartsLater() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String bi = "bi-" + suffix;
        emulator.project("game-" + suffix).workflow("etl", "UTC", sequence(task("load")));
        emulator.project(bi).workflow("report", "UTC", sequence(task("build")));
        String rule = createRule("refused-" + suffix, "game-" + suffix, bi);
        long puts = emulator.requestCount("PUT /api/attempts");
        emulator.faults().respondWith("PUT /api/attempts", 429, 1);

        as(TestTokens.writer("bi")).post("/api/v1/rules/" + rule + "/fire?session=2026-11-24").then().statusCode(201);
        await().atMost(Duration.ofMinutes(1)).until(() -> as(TestTokens.reader())
                .get("/api/v1/rules/" + rule + "/explain?session=2026-11-24").then().statusCode(200).extract()
                .path("run.state").equals("started"));
        JsonNode run = as(TestTokens.reader()).get("/api/v1/rules/" + rule + "/explain?session=2026-11-24").then()
                .extract().as(JsonNode.class).path("run");
        assertThat(run.path("tries").asInt()).as("the refusal was not a failed try").isEqualTo(1);
        assertThat(emulator.requestCount("PUT /api/attempts") - puts).as("refused once, then started").isEqualTo(2);
        assertThat(attempts(bi)).hasSize(1);
        emulator.completeAll(attempts(bi).get(0).id());
    }

    /**
     * A cascade rerun takes a slot like any start: with both slots held it waits (and an ordinary trigger asking
     * later still goes first); it starts when a slot frees, and never more than the limit run. The rerun is opened as
     * the trigger engine opens one when it sees the upstream run again ({@link UpstreamRerunTest} covers that part).
     */
    @Test
    void aCascadeRerunWaitsForASlotAfterOrdinaryTriggersAndStartsWhenOneFrees() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String game = "game-" + suffix;
        String bi = "bi-" + suffix;
        emulator.project(game).workflow("etl", "UTC", sequence(task("load")));
        emulator.project(bi).workflow("report", "UTC", sequence(task("build")));
        String rule = createRule("rerun-slot-" + suffix, game, bi, "rerun");
        await().atMost(Duration.ofSeconds(30)).until(() -> index.rule(rule).isPresent());
        await().atMost(Duration.ofMinutes(1)).until(() -> slotsHeld() == 0); // earlier tests' attempts have ended
        LocalDate day = LocalDate.ofInstant(emulator.now(), ZoneOffset.UTC).plusDays(30);
        String key = fire(rule, day);
        await().atMost(Duration.ofMinutes(1)).until(() -> attempts(bi).size() == 1);
        emulator.completeAll(attempts(bi).get(0).id());
        await().atMost(Duration.ofMinutes(1)).until(() -> slotsHeld() == 0);
        fire(rule, day.plusDays(1));
        fire(rule, day.plusDays(2));
        await().atMost(Duration.ofMinutes(1)).until(() -> running(bi).size() == 2);
        emulator.resetMaxRunningAttempts();

        long rerun = openRerun(rule, key, game);
        await().atMost(Duration.ofMinutes(1)).until(() -> queuedAt(rerun).isPresent());
        fire(rule, day.plusDays(3));
        assertThat(rerunState(rerun)).as("no slot free: it waits").isEqualTo(TriggerRerun.PENDING);
        assertThat(sessionAttempts(bi, day)).hasSize(1);

        // First slot: the ordinary trigger that asked after the rerun; second: the rerun.
        emulator.completeAll(running(bi).get(0).id());
        await().atMost(Duration.ofMinutes(1)).until(() -> sessionAttempts(bi, day.plusDays(3)).size() == 1);
        assertThat(rerunState(rerun)).isEqualTo(TriggerRerun.PENDING);
        assertThat(sessionAttempts(bi, day)).hasSize(1);
        emulator.completeAll(running(bi).get(0).id());
        await().atMost(Duration.ofMinutes(1)).until(() -> TriggerRerun.STARTED.equals(rerunState(rerun)));
        assertThat(sessionAttempts(bi, day)).hasSize(2);
        assertThat(running(bi)).hasSize(2);
        running(bi).forEach(a -> emulator.completeAll(a.id()));
        assertThat(emulator.maxRunningAttempts()).as("most attempts running at once").isEqualTo(2);
        await().atMost(Duration.ofMinutes(1)).until(() -> slotsHeld() == 0);
    }

    @Test
    void aCascadeRerunDigdagRefusesForTooManyRunningAttemptsWaitsAndStartsLater() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String game = "game-" + suffix;
        String bi = "bi-" + suffix;
        emulator.project(game).workflow("etl", "UTC", sequence(task("load")));
        emulator.project(bi).workflow("report", "UTC", sequence(task("build")));
        String rule = createRule("rerun-refused-" + suffix, game, bi, "rerun");
        await().atMost(Duration.ofSeconds(30)).until(() -> index.rule(rule).isPresent());
        LocalDate day = LocalDate.ofInstant(emulator.now(), ZoneOffset.UTC).plusDays(40);
        String key = fire(rule, day);
        await().atMost(Duration.ofMinutes(1)).until(() -> attempts(bi).size() == 1);
        emulator.completeAll(attempts(bi).get(0).id());
        long puts = emulator.requestCount("PUT /api/attempts");
        emulator.faults().respondWith("PUT /api/attempts", 429, 1);

        long rerun = openRerun(rule, key, game);
        await().atMost(Duration.ofMinutes(1)).until(() -> TriggerRerun.STARTED.equals(rerunState(rerun)));
        TriggerRerun started = QuarkusTransaction.requiringNew().call(() -> TriggerRerun.findById(rerun));
        assertThat(started.tries).as("the refusal was not a failed try").isEqualTo(1);
        assertThat(emulator.requestCount("PUT /api/attempts") - puts).as("refused once, then started").isEqualTo(2);
        assertThat(sessionAttempts(bi, day)).hasSize(2);
        running(bi).forEach(a -> emulator.completeAll(a.id()));
    }

    /**
     * Opens a cascade rerun of the rule's run for {@code key}, as the trigger engine does when it sees the upstream
     * succeed again in a newer attempt; the rerun starter picks it up.
     */
    private long openRerun(String rule, String key, String game) {
        return QuarkusTransaction.requiringNew().call(() -> {
            TriggerRun run = TriggerRun.forKey(rule, key).orElseThrow();
            TriggerRerun seen = new TriggerRerun();
            seen.ruleName = rule;
            seen.correlationKey = key;
            seen.downstreamSession = run.downstreamSession;
            seen.upstreamId = index.rule(rule).orElseThrow().upstreams().get(0).id();
            seen.upstreamSubject = PastServerProfile.SERVER + "/" + game + "/etl";
            seen.upstreamAttempt = PastServerProfile.SERVER + "/" + UUID.randomUUID() + "/attempts/999999";
            seen.upstreamAttemptId = "999999";
            seen.upstreamFinishedAt = OffsetDateTime.now(ZoneOffset.UTC);
            seen.action = "rerun";
            seen.state = TriggerRerun.PENDING;
            return TriggerRerun.open(seen).orElseThrow();
        });
    }

    /** Fires the rule by hand for a day as a writer of bi; returns the correlation key. */
    private static String fire(String rule, LocalDate day) {
        return as(TestTokens.writer("bi")).post("/api/v1/rules/" + rule + "/fire?session=" + day).then()
                .statusCode(201).extract().path("correlationKey");
    }

    private static String rerunState(long rerun) {
        return QuarkusTransaction.requiringNew().call(() -> TriggerRerun.<TriggerRerun>findById(rerun).state);
    }

    /** When the rerun asked for a slot, once it has. */
    private static Optional<Object> queuedAt(long rerun) {
        return QuarkusTransaction.requiringNew().call(() -> Panache.getEntityManager()
                .createNativeQuery("SELECT queued_at FROM trigger_admission WHERE rerun_id = :id")
                .setParameter("id", rerun).getResultStream().findFirst());
    }

    private List<Attempt> sessionAttempts(String project, LocalDate day) {
        return attempts(project).stream().filter(a -> a.sessionTime().toLocalDate().equals(day)).toList();
    }

    /**
     * Replicas and threads claiming at once: each claim is its own transaction on its own connection, as on separate
     * replicas; the advisory lock per server lets exactly as many through as there are slots.
     */
    @Test
    void claimsRacingOnSeparateConnectionsNeverTakeMoreSlotsThanTheLimit() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        emulator.project("game-" + suffix).workflow("etl", "UTC", sequence(task("load")));
        emulator.project("bi-" + suffix).workflow("report", "UTC", sequence(task("build")));
        String rule = createRule("race-" + suffix, "game-" + suffix, "bi-" + suffix);
        await().atMost(Duration.ofSeconds(30)).until(() -> index.rule(rule).isPresent());
        // Not due for an hour: the starter leaves them to this test.
        List<Long> runs = QuarkusTransaction.requiringNew().call(() -> IntStream.range(0, 10).mapToObj(i ->
                TriggerRun.open(rule, "k" + i, OffsetDateTime.parse("2026-01-" + (10 + i) + "T00:00:00+00:00"), null, true,
                        "test",
                        Instant.now().plus(Duration.ofHours(1))).orElseThrow()).toList());
        // Earlier tests of this JVM may still hold slots on the server; the race may take only the ones left.
        long heldBefore = slotsHeld();
        ExecutorService replicas = Executors.newFixedThreadPool(runs.size());
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Boolean>> claims = runs.stream().map(id -> replicas.submit(() -> {
                go.await();
                return QuarkusTransaction.requiringNew().call(() ->
                        StartableRow.lockClaimable(TriggerRun.class, id).filter(admission::admit).isPresent());
            })).toList();
            go.countDown();
            int admitted = 0;
            for (Future<Boolean> claim : claims) {
                admitted += claim.get(1, TimeUnit.MINUTES) ? 1 : 0;
            }
            assertThat(slotsHeld()).isLessThanOrEqualTo(PastServerProfile.LIMIT);
            assertThat(admitted).isEqualTo(slotsHeld() - heldBefore);
            if (heldBefore == 0) {
                assertThat(admitted).isEqualTo(PastServerProfile.LIMIT);
            }
        } finally {
            replicas.shutdownNow();
            // These runs never call Digdag: they give their slots back as a failed start does.
            QuarkusTransaction.requiringNew().run(() -> runs.forEach(id -> {
                TriggerRun run = TriggerRun.findById(id);
                run.state = TriggerRun.FAILED;
                admission.settle(run, null);
            }));
        }
    }

    private long slotsHeld() {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) Panache.getEntityManager()
                .createNativeQuery("SELECT count(*) FROM trigger_admission WHERE server = :server "
                        + "AND admitted_at IS NOT NULL")
                .setParameter("server", PastServerProfile.SERVER).getSingleResult()).longValue());
    }

    private List<Attempt> attempts(String project) {
        return clients.client(PastServerProfile.SERVER).attempts(new AttemptQuery(project, "report", true, null, 100));
    }

    private List<Attempt> running(String project) {
        return attempts(project).stream().filter(a -> !a.done())
                .sorted(Comparator.comparingLong(a -> Long.parseLong(a.id()))).toList();
    }
}
