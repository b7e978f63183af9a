package io.baton.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.digdag.DigdagApiContract;
import io.baton.digdag.DigdagSamples;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.DigdagException;
import io.baton.digdag.client.DigdagJson;
import io.baton.digdag.client.DigdagNotFoundException;
import io.baton.digdag.client.Schedule;
import io.baton.digdag.client.ScheduleSkip;
import io.baton.digdag.client.ServerSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Replays the recorded story of project {@code sched} (API-NOTES "Schedules", samples 95 to 208) on an emulator
 * whose clock starts at the recording's push time, sending each sample's own request at its recorded time: the
 * emulator must answer with the recorded status and JSON (workflow ids aside once other projects' pushes moved
 * them; Jackson's parser position aside in error messages). Every answer must also validate against the contract,
 * and every request the client sends.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmulatedSchedulesTest {

    private static final Instant PUSHED = Instant.parse("2026-11-30T19:36:36Z");
    private static final ScheduleSpec CRON = ScheduleSpec.cron("*/5 * * * *");
    private static final ScheduleSpec HOURLY = ScheduleSpec.hourly("10:00");
    private static final ScheduleSpec DAILY = ScheduleSpec.daily("07:00:00");
    private static final HttpClient RAW = HttpClient.newHttpClient();
    private static final List<String> PROBLEMS = Collections.synchronizedList(new ArrayList<>());
    private static final List<ExchangeCheck.Exchange> EXCHANGES = Collections.synchronizedList(new ArrayList<>());

    private static DigdagEmulator emulator;
    private static DigdagClient client;

    @BeforeAll
    static void start() {
        DigdagApiContract contract = DigdagApiContract.answersOnly();
        emulator = DigdagEmulator.start(EmulatorOptions.defaults().withClock(Clock.fixed(PUSHED, ZoneOffset.UTC))
                .withCheck(exchange -> {
                    EXCHANGES.add(exchange);
                    List<String> problems = contract.check(exchange);
                    PROBLEMS.addAll(problems);
                    return problems;
                }));
        client = new DigdagClient("schedules", ServerSettings.of(emulator.url()), new SimpleMeterRegistry());
    }

    @AfterAll
    static void stop() {
        if (emulator != null) {
            emulator.close();
        }
    }

    private static void push(boolean hourlySchedule) {
        emulator.project("sched")
                .workflow("sched_cron", "UTC", sequence(task("hello")), CRON)
                .workflow("sched_hourly", "UTC", sequence(task("hello")), hourlySchedule ? HOURLY : null)
                .workflow("sched_daily", "Asia/Tokyo", sequence(task("hello")), DAILY);
    }

    @Test
    @Order(1) // the recorded ids: project sched is the emulator's first
    void replaysTheRecordedScheduleStory() throws Exception {
        push(true);
        at("19:36:42");
        replay(false, 95, 96, 97, 98, 99, 100, 101);
        at("19:36:50");
        replay(false, 102, 103, 104, 105);
        at("19:36:57");
        replay(false, 106, 107, 108);
        at("19:37:04");
        replay(false, 109, 110, 111, 112);
        at("19:37:07");
        replay(false, 113, 114);
        at("19:37:10");
        replay(false, 115, 116, 117);
        at("19:37:15");
        replay(false, 118, 119);
        at("19:37:22");
        replay(false, 120);

        // The cron runs on the second, with the params of a scheduled start (128 to 131).
        at("19:40:07");
        Attempt first = onlyAttemptOf("2026-11-30T19:40:00+00:00");
        assertThat(first.createdAt()).isEqualTo(Instant.parse("2026-11-30T19:40:00Z"));
        assertThat(first.params()).isEqualTo(DigdagJson.mapper().readTree(
                "{\"last_session_time\":\"2026-11-30T19:35:00+00:00\",\"next_session_time\":\"2026-11-30T19:45:00+00:00\"}"));
        replay(false, 131);
        at("19:40:14");
        replay(false, 133);
        // Disabled: the missed slot stays as the next run, in the past; enable {} starts it at once (173 to 175).
        at("19:45:14");
        replay(false, 173);
        at("19:45:59");
        replay(false, 174);
        tick();
        assertThat(onlyAttemptOf("2026-11-30T19:45:00+00:00").createdAt())
                .isEqualTo(Instant.parse("2026-11-30T19:45:59Z"));
        at("19:46:04");
        replay(false, 175);
        at("19:50:11");
        Attempt second = onlyAttemptOf("2026-11-30T19:50:00+00:00");
        assertThat(second.params().path("last_executed_session_time").asText()).isEqualTo("2026-11-30T19:45:00+00:00");
        replay(false, 187, 188);

        // A push keeps ids and disabledAt; a never-run schedule is recomputed; no schedule deletes it (189 to 196).
        at("19:50:18");
        push(true);
        replay(true, 189, 190);
        at("19:50:33");
        push(false);
        replay(true, 191, 192, 193, 194);
        at("19:50:38");
        push(true);
        replay(true, 195, 196);
        at("19:50:57");
        replay(true, 197, 198, 199, 200);

        // enable {} after two missed slots starts both at once; skipSchedule drops the missed one (201 to 208).
        at("20:00:08");
        replay(true, 201, 202);
        tick();
        for (String session : List.of("2026-11-30T19:55:00+00:00", "2026-11-30T20:00:00+00:00")) {
            assertThat(onlyAttemptOf(session).createdAt()).isEqualTo(Instant.parse("2026-11-30T20:00:08Z"));
        }
        at("20:00:15");
        replay(true, 203);
        at("20:00:17");
        replay(true, 205);
        at("20:05:11");
        replay(true, 206, 207, 208);
        assertThat(sessionsOfCron()).doesNotContain("2026-11-30T20:05:00+00:00");

        assertThat(PROBLEMS).as("answers that break the contract").isEmpty();
    }

    @Test
    void theClientReadsAndChangesSchedulesWithValidRequests() {
        emulator.project("client-sched").workflow("daily", "Asia/Tokyo", sequence(task("hello")), DAILY);
        String projectId = client.projectByName("client-sched").orElseThrow().id();
        Schedule schedule = client.schedule(projectId, "daily").orElseThrow();
        assertThat(client.schedule(projectId, "nope")).isEmpty();
        assertThat(client.schedules()).extracting(Schedule::id).contains(schedule.id());
        assertThat(client.schedule(schedule.id())).isEqualTo(schedule);

        Schedule disabled = client.disableSchedule(schedule.id());
        assertThat(disabled.disabled()).isTrue();
        assertThat(disabled.createdAt()).isNotNull().isEqualTo(disabled.updatedAt());
        assertThat(client.enableSchedule(schedule.id(), true).disabled()).isFalse();
        Instant after = schedule.nextRunTime().plus(Duration.ofDays(2));
        Schedule preview = client.skipSchedule(schedule.id(), ScheduleSkip.runs(after, 1, true));
        assertThat(preview.nextRunTime()).isEqualTo(schedule.nextRunTime().plus(Duration.ofDays(3)));
        assertThat(client.schedule(schedule.id()).nextRunTime()).isEqualTo(schedule.nextRunTime());
        assertThatThrownBy(() -> client.skipSchedule(schedule.id(), ScheduleSkip.until("2020-01-01T00:00:00Z", true)))
                .isInstanceOf(DigdagException.class).hasMessageContaining("already past");
        assertThatThrownBy(() -> client.disableSchedule("99999")).isInstanceOf(DigdagNotFoundException.class);

        DigdagApiContract contract = DigdagApiContract.shared();
        List<ExchangeCheck.Exchange> fromClient = EXCHANGES.stream()
                .filter(e -> e.requestHeaders().getOrDefault("user-agent", List.of()).contains("baton")).toList();
        assertThat(fromClient).hasSizeGreaterThan(8);
        fromClient.forEach(exchange -> assertThat(contract.checkRequest(exchange))
                .as(exchange.method() + " " + exchange.path()).isEmpty());
    }

    @Test
    void specsGiveRecordedSessionAndRunTimes() {
        Instant push = PUSHED;
        assertThat(CRON.firstRunningAtOrAfter(push, ZoneOffset.UTC).toString()).isEqualTo("2026-11-30T19:40Z");
        assertThat(HOURLY.runTime(HOURLY.firstRunningAtOrAfter(push, ZoneOffset.UTC)))
                .isEqualTo(Instant.parse("2026-11-30T20:10:00Z"));
        var tokyo = java.time.ZoneId.of("Asia/Tokyo");
        var daily = DAILY.firstRunningAtOrAfter(push, tokyo);
        assertThat(daily.toOffsetDateTime().toString()).isEqualTo("2026-12-01T00:00+09:00");
        assertThat(DAILY.runTime(daily)).isEqualTo(Instant.parse("2026-11-30T22:00:00Z"));
        assertThatThrownBy(() -> ScheduleSpec.daily("7 o'clock")).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> new ScheduleSpec("weekly>", "Mon")).isInstanceOf(IllegalArgumentException.class);
    }

    /** What its timer (every 10 ms) would do next, now: enable lets the schedule start its missed sessions. */
    private static void tick() {
        emulator.advanceClock(Duration.ZERO);
    }

    private static void at(String time) {
        Instant target = Instant.parse("2026-11-30T" + time + "Z");
        emulator.advanceClock(Duration.between(emulator.now(), target));
    }

    private static Attempt onlyAttemptOf(String sessionTime) {
        List<Attempt> attempts = client.attempts(new AttemptQuery("sched", "sched_cron", true, null, 100)).stream()
                .filter(a -> a.sessionTime().toString().equals(java.time.OffsetDateTime.parse(sessionTime).toString()))
                .toList();
        assertThat(attempts).as("attempts of session " + sessionTime).hasSize(1);
        return attempts.get(0);
    }

    private static List<String> sessionsOfCron() {
        return client.attempts(new AttemptQuery("sched", "sched_cron", true, null, 100)).stream()
                .map(a -> io.baton.digdag.client.SessionTimes.format(a.sessionTime())).toList();
    }

    /** Sends each sample's request and compares the answer with the recorded one. */
    private static void replay(boolean ignoreWorkflowIds, int... numbers) throws IOException, InterruptedException {
        for (int number : numbers) {
            DigdagSamples.Sample sample = DigdagSamples.numbered(number);
            String url = emulator.url() + sample.path() + (sample.query() == null ? "" : "?" + sample.query());
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
            if (sample.requestBody().isEmpty()) {
                request.method(sample.method(), HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", "application/json")
                        .method(sample.method(), HttpRequest.BodyPublishers.ofString(sample.requestBody()));
            }
            HttpResponse<String> answer = RAW.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(sample.name() + ": " + answer.body()).isEqualTo(sample.status());
            assertThat(normalized(answer.body(), ignoreWorkflowIds)).as(sample.name())
                    .isEqualTo(normalized(sample.responseBody(), ignoreWorkflowIds));
        }
    }

    /** Without workflow ids (if asked) and without the parser position Digdag's Jackson adds to messages. */
    private static JsonNode normalized(String body, boolean ignoreWorkflowIds) throws IOException {
        JsonNode json = DigdagJson.mapper().readTree(body);
        if (json.has("message")) {
            ((ObjectNode) json).put("message", json.get("message").asText().replaceAll("(?s)\n at \\[Source.*", ""));
        }
        if (ignoreWorkflowIds) {
            json.findParents("workflow").forEach(parent -> ((ObjectNode) parent.get("workflow")).remove("id"));
        }
        return json;
    }
}
