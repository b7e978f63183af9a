package io.baton.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClient;
import io.baton.emulator.DigdagEmulator;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventsConfig;
import io.baton.trigger.Explanation;
import io.baton.trigger.TriggerOutcomes.DeadlineData;
import io.baton.trigger.TriggerOutcomes.TriggerData;
import io.baton.trigger.TriggerOutcomes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.baton.demo.DemoScenario.BI;
import static io.baton.demo.DemoScenario.DEADLINE;
import static io.baton.demo.DemoScenario.REPORT;
import static io.baton.demo.DemoScenario.RULE;
import static io.baton.demo.DemoScenario.ZONE;

/**
 * One telling of the story: starts the upstream workflows on the emulator when the demo's clock says so, and prints
 * what Baton does as it happens, from Baton's Kafka topics and its REST API, the way any team would watch it.
 */
final class DemoRun {

    private static final Duration POLL = Duration.ofMillis(100);
    /** How long the story waits past the last day for the last report to finish. */
    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");
    private static final String REPORT_NAME = BI + "/" + REPORT;

    private final DemoClock clock;
    private final String server;
    private final DigdagEmulator emulator;
    private final DigdagClient digdag;
    private final BatonApi api;
    private final KafkaConsumer<String, String> consumer;
    private final EventsConfig topics;
    private final ObjectMapper mapper;
    private final Consumer<String> console;
    private final BooleanSupplier stopping;

    private int shownDay = -1;
    private final Set<Integer> deadlinesShown = new HashSet<>();
    private final Set<String> started = new HashSet<>();
    private final Map<LocalDate, Integer> satisfied = new HashMap<>();
    private final Map<LocalDate, LocalTime> reportStarted = new ConcurrentHashMap<>();
    private final Set<LocalDate> reportsDone = new HashSet<>();
    private final Map<String, Long> eventsByType = new TreeMap<>();
    /**
     * Per session date, the upstream load whose completion came last, which is the one that fired the report (Digdag's
     * timestamps, in whole seconds, cannot tell two loads a second apart).
     */
    private final Map<LocalDate, DigdagCompletion> lastLoads = new HashMap<>();
    private final List<TriggerData> triggers = new ArrayList<>();
    private final List<DeadlineData> alerts = new ArrayList<>();

    DemoRun(DemoClock clock, String server, DigdagEmulator emulator, DigdagClient digdag, BatonApi api,
            KafkaConsumer<String, String> consumer, EventsConfig topics, ObjectMapper mapper, Consumer<String> console,
            BooleanSupplier stopping) {
        this.clock = clock;
        this.server = server;
        this.emulator = emulator;
        this.digdag = digdag;
        this.api = api;
        this.consumer = consumer;
        this.topics = topics;
        this.mapper = mapper;
        this.console = console;
        this.stopping = stopping;
    }

    /** Plays every day, then waits (at most {@link #GRACE}) for the last report to finish. */
    void play() {
        Instant giveUp = clock.end().plus(GRACE);
        while (!stopping.getAsBoolean()) {
            Instant now = Instant.now();
            if (now.isAfter(giveUp) || now.isAfter(clock.end()) && reportsDone.size() == clock.days()) {
                return;
            }
            announce(now);
            startDueWorkflows(now);
            for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                handle(record);
            }
            followRule();
        }
    }

    // ---- Digdag's side: the days and the upstream teams' schedules

    private void announce(Instant now) {
        int day = clock.day(now);
        if (day > shownDay) {
            shownDay = day;
            boolean last = day == clock.days() - 1;
            console.accept("");
            console.accept("══ Day " + (day + 1) + " of " + clock.days() + " · " + clock.date(day)
                    + (last ? " (today)" : "") + " ══");
            console.accept("   Digdag's schedule: " + DemoScenario.starts(last).stream()
                    .map(s -> s.name() + " at " + HH_MM.format(s.at())).collect(Collectors.joining(", "))
                    + (last ? " — eikaiwa's source dump is very late today" : "")
                    + "; Baton starts " + REPORT_NAME + " once both have loaded");
        }
        if (day >= 0 && !now.isBefore(clock.at(day, DEADLINE)) && deadlinesShown.add(day)) {
            LocalTime reportAt = reportStarted.get(clock.date(day));
            String deadline = HH_MM.format(DEADLINE);
            print(DEADLINE, "clock", reportAt != null
                    ? deadline + ": a cron job would start " + REPORT_NAME + " only now; Baton started it at "
                    + HH_MM.format(reportAt)
                    : deadline + ": the report's deadline; a cron job would start " + REPORT_NAME
                    + " now, without eikaiwa's data");
        }
    }

    private void startDueWorkflows(Instant now) {
        for (int day = 0; day <= clock.day(now); day++) {
            LocalDate date = clock.date(day);
            for (DemoScenario.Start start : DemoScenario.starts(day == clock.days() - 1)) {
                if (!now.isBefore(clock.at(day, start.at())) && started.add(date + "/" + start.name())) {
                    String attempt = emulator.startAttempt(start.project(), start.workflow(),
                            DemoScenario.session(date), Map.of());
                    print(start.at(), "digdag", start.name() + " attempt " + attempt
                            + " started by Digdag's schedule (session " + date + ")");
                }
            }
        }
    }

    // ---- Baton's side, as its topics and REST API show it

    private void handle(ConsumerRecord<String, String> record) {
        String type = header(record, "ce_type");
        if (record.topic().equals(topics.topic())) {
            onCompletion(type, read(record.value(), DigdagCompletion.class));
        } else if (record.topic().equals(topics.triggersTopic())) {
            onTrigger(read(record.value(), TriggerData.class));
        } else if (TriggerOutcomes.DEADLINE_MISSED.equals(type)) {
            onDeadlineMissed(record.topic(), read(record.value(), DeadlineData.class));
        }
    }

    private void onCompletion(String type, DigdagCompletion event) {
        if (!server.equals(event.server())) {
            return;
        }
        String shortType = type.substring(DigdagCompletion.TYPE_PREFIX.length());
        eventsByType.merge(shortType, 1L, Long::sum);
        print(Instant.now(), "event", String.format("%-18s %s/%s %s(session %s, attempt %s)", shortType,
                event.project(), event.workflow(), event.isTask() ? event.task() + " " : "", event.sessionDate(),
                event.attemptId()));
        if (!event.isTask() && REPORT_NAME.equals(event.project() + "/" + event.workflow())) {
            reportsDone.add(event.sessionDate());
        }
        if (DemoScenario.LOAD_TASK.equals(event.task())) {
            lastLoads.put(event.sessionDate(), event);
        }
    }

    private void onTrigger(TriggerData trigger) {
        if (!RULE.equals(trigger.rule())) {
            return;
        }
        // The start may be quicker than the progress poll: the rule's last step is told first all the same.
        printProgress(LocalDate.parse(trigger.correlationKey()));
        Instant now = Instant.now();
        triggers.add(trigger);
        reportStarted.putIfAbsent(LocalDate.parse(trigger.correlationKey()), clock.timeOfDay(now));
        print(now, "trigger", RULE + " " + trigger.outcome() + " " + REPORT_NAME + " for " + trigger.correlationKey()
                + (trigger.attemptId() == null ? "" : ": attempt " + trigger.attemptId())
                + (trigger.latencyMillis() == null ? ""
                : ", " + seconds(trigger.latencyMillis()) + " after the last upstream finished")
                + (trigger.error() == null ? "" : " — " + trigger.error()));
    }

    private void onDeadlineMissed(String topic, DeadlineData alert) {
        if (!RULE.equals(alert.rule())) {
            return;
        }
        alerts.add(alert);
        print(Instant.now(), "ALERT", RULE + " missed its " + HH_MM.format(DEADLINE) + " deadline for "
                + alert.correlationKey() + " (wall clock " + alert.deadline() + "), still waiting for "
                + String.join(", ", alert.missing()) + " — published on " + topic);
    }

    /** Prints the rule's progress for each day that has not fired yet, whenever another upstream is satisfied. */
    private void followRule() {
        for (int day = 0; day <= clock.day(Instant.now()); day++) {
            LocalDate date = clock.date(day);
            if (!reportStarted.containsKey(date)) {
                printProgress(date);
            }
        }
    }

    private synchronized void printProgress(LocalDate date) {
        Explanation explanation = api.explain(RULE, date.toString());
        List<String> done = explanation.satisfied().stream().map(Explanation.Satisfied::upstream).distinct()
                .toList();
        if (done.size() > satisfied.getOrDefault(date, 0)) {
            satisfied.put(date, done.size());
            int total = done.size() + explanation.missing().size();
            print(Instant.now(), "rule", RULE + ": " + done.size() + " of " + total + " upstreams satisfied for "
                    + date + " (" + String.join(", ", done) + ")" + (explanation.missing().isEmpty()
                    ? " → Baton starts " + REPORT_NAME
                    : "; waiting for " + String.join(", ", explanation.missing())));
        }
    }

    // ---- the end

    DemoSummary summary(Instant began) {
        Map<LocalDate, Long> reportAttempts = digdag.attempts(
                        new AttemptQuery(BI, REPORT, true, null, AttemptQuery.MAX_PAGE_SIZE)).stream()
                .collect(Collectors.groupingBy(a -> a.sessionTime().atZoneSameInstant(ZONE).toLocalDate(),
                        TreeMap::new, Collectors.counting()));
        List<LocalDate> days = new ArrayList<>();
        for (int day = 0; day < clock.days(); day++) {
            days.add(clock.date(day));
        }
        Map<LocalDate, String> lastUpstreams = new TreeMap<>();
        lastLoads.forEach((date, load) -> lastUpstreams.put(date, load.project() + "/" + load.workflow()));
        return new DemoSummary(days, new LinkedHashMap<>(eventsByType), List.copyOf(triggers), List.copyOf(alerts),
                reportAttempts, lastUpstreams, Duration.between(began, Instant.now()));
    }

    static void printSummary(DemoSummary summary, EventsConfig topics, URI baton, String graph, String tokenHint,
                             boolean exiting, Consumer<String> console) {
        List<LocalDate> days = summary.days();
        console.accept("");
        console.accept("══ Summary ══");
        row(console, "story", days.size() + " simulated days (" + days.get(0) + " to " + days.get(days.size() - 1)
                + ") in " + summary.duration().toSeconds() + " s");
        row(console, "completion events", summary.events() + " published on " + topics.topic() + " ("
                + joined(summary.eventsByType().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())) + ")");
        row(console, "triggers", summary.triggers().size() + " on " + topics.triggersTopic() + ": "
                + joined(summary.triggers().stream()
                .map(t -> t.correlationKey() + " " + t.outcome() + " attempt " + t.attemptId())));
        row(console, "exactly once", "Digdag holds " + REPORT_NAME + " attempts per day: "
                + joined(summary.reportAttempts().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())));
        LongSummaryStatistics latency = summary.latency();
        if (latency.getCount() > 0) {
            row(console, "latency", "upstream finished → downstream started: min " + seconds(latency.getMin())
                    + ", avg " + seconds(Math.round(latency.getAverage())) + ", max " + seconds(latency.getMax()));
        }
        for (boolean pushed : List.of(false, true)) {
            LongSummaryStatistics mode = summary.latency(pushed);
            if (mode.getCount() > 0) {
                row(console, pushed ? "push latency" : "poll latency", (pushed
                        ? DemoScenario.PUSHED + " notified Baton (http>)" : "the last upstream was polled")
                        + ": " + millis(mode) + " over " + mode.getCount() + " trigger"
                        + (mode.getCount() > 1 ? "s" : ""));
            }
        }
        row(console, "alerts", summary.alerts().size() + " on " + topics.alertsTopic() + summary.alerts().stream()
                .map(a -> ": deadline of " + a.correlationKey() + " missed, waiting for "
                        + String.join(", ", a.missing()))
                .collect(Collectors.joining()));
        console.accept("");
        row(console, "console", baton.resolve("/") + " (Today, graph, rules, events)");
        row(console, "API docs", baton.resolve("/q/swagger-ui").toString());
        row(console, "metrics", baton.resolve("/q/metrics").toString());
        row(console, "dependency graph", baton.resolve("/api/v1/graph?format=mermaid") + tokenHint);
        graph.lines().forEach(line -> console.accept("    " + line));
        console.accept("");
        console.accept(exiting ? "Baton stops now; `./baton demo --stay` keeps it running to try these URLs."
                : "Baton keeps running for you to try these URLs; Ctrl-C stops it.");
    }

    private static void row(Consumer<String> console, String label, String text) {
        console.accept(String.format("  %-17s %s", label, text));
    }

    private static String joined(Stream<String> parts) {
        return parts.collect(Collectors.joining(", "));
    }

    // ---- helpers

    private void print(Instant now, String kind, String text) {
        print(clock.timeOfDay(now), kind, text);
    }

    private void print(LocalTime time, String kind, String text) {
        console.accept(String.format("[%s] %-8s %s", HH_MM.format(time), kind, text));
    }

    private <T> T read(String json, Class<T> type) {
        try {
            return mapper.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable " + type.getSimpleName() + ": " + json, e);
        }
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String millis(LongSummaryStatistics latency) {
        return latency.getCount() == 1 ? latency.getMax() + " ms"
                : "min " + latency.getMin() + " ms, avg " + Math.round(latency.getAverage()) + " ms, max "
                + latency.getMax() + " ms";
    }

    private static String seconds(long millis) {
        return String.format("%.1f s", millis / 1000.0);
    }
}
