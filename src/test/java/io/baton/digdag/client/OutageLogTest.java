package io.baton.digdag.client;

import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.EmulatorOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The log lines of a Digdag server's outage: one WARN a minute while calls fail, one INFO when it answers again. */
class OutageLogTest {

    private static final String UNIT = "outage-unit";
    private static final String CLIENT = "outage-client";

    private final Logger logger = Logger.getLogger(OutageLog.class.getName());
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureLog() {
        logger.addHandler(capture);
    }

    @AfterEach
    void releaseLog() {
        logger.removeHandler(capture);
    }

    @Test
    void warnsTheFirstTimeThenOnceAMinuteAndTellsHowLongTheServerWasDown() {
        MutableClock clock = new MutableClock();
        OutageLog outages = new OutageLog(UNIT, clock);

        failCall(outages, "main GET /api/attempts answered 503: busy");
        clock.advance(Duration.ofSeconds(30));
        failCall(outages, "main GET /api/attempts answered 503: busy");
        assertThat(lines(Level.WARNING, UNIT)).singleElement().asString()
                .contains("Digdag server outage-unit is unreachable", "answered 503: busy");

        clock.advance(Duration.ofSeconds(31));
        failCall(outages, "main GET /api/attempts/7/tasks failed: java.net.ConnectException");
        assertThat(lines(Level.WARNING, UNIT)).hasSize(2).last().asString()
                .contains("down for 1 min 1 s", "ConnectException", "1 more failed calls since the last warning");

        clock.advance(Duration.ofSeconds(30));
        outages.answered();
        outages.answered();
        assertThat(lines(Level.INFO, UNIT)).singleElement().asString()
                .contains("Digdag server outage-unit answers again after 1 min 31 s down",
                        "3 failed tries, 3 failed calls");
    }

    @Test
    void aHangShorterThanAllTheTriesIsLoggedWhenTheServerAnswersAgain() {
        MutableClock clock = new MutableClock();
        OutageLog outages = new OutageLog(UNIT, clock);
        outages.tryFailed();
        clock.advance(Duration.ofMillis(20_300));
        outages.answered();
        assertThat(lines(Level.WARNING, UNIT)).isEmpty();
        assertThat(lines(Level.INFO, UNIT)).singleElement().asString()
                .contains("answers again after 20.3 s down (1 failed tries, 0 failed calls)");
    }

    @Test
    void theClientLogsFailedCallsAndTheRecoveryOfItsServerButNeverItsHeaders() {
        try (DigdagEmulator emulator = DigdagEmulator.start(EmulatorOptions.defaults())) {
            DigdagClient client = new DigdagClient(CLIENT, ServerSettings.of(emulator.url())
                    .withHeaders(Map.of("Authorization", "Bearer s3cret-proxy-token")), new SimpleMeterRegistry());

            emulator.faults().respondWith(503, 3);
            assertThatThrownBy(client::version).isInstanceOf(DigdagUnavailableException.class);
            emulator.faults().respondWith(503, 3);
            assertThatThrownBy(client::version).isInstanceOf(DigdagUnavailableException.class);
            assertThat(lines(Level.WARNING, CLIENT)).singleElement().asString()
                    .contains("Digdag server outage-client is unreachable", "GET /api/version answered 503", "(3 tries)");
            assertThat(lines(Level.INFO, CLIENT)).isEmpty();

            assertThat(client.version()).isNotBlank();
            assertThat(lines(Level.INFO, CLIENT)).singleElement().asString()
                    .contains("Digdag server outage-client answers again after", "6 failed tries, 2 failed calls");

            // A fault shorter than the tries: the call succeeds, and the log still says the server was away.
            emulator.faults().respondWith(503, 1);
            assertThat(client.version()).isNotBlank();
            assertThat(lines(Level.WARNING, CLIENT)).hasSize(1);
            assertThat(lines(Level.INFO, CLIENT)).hasSize(2).last().asString().contains("1 failed tries, 0 failed calls");

            assertThat(records).extracting(OutageLogTest::text).noneMatch(line -> line.contains("s3cret"));
        }
    }

    private static void failCall(OutageLog outages, String failure) {
        outages.tryFailed();
        outages.callFailed(failure);
    }

    /** Lines about one server: a Baton of an earlier test class may still be running in this JVM. */
    private List<String> lines(Level level, String server) {
        return records.stream().filter(r -> r.getLevel().equals(level)).map(OutageLogTest::text)
                .filter(line -> line.startsWith("Digdag server " + server + " ")).toList();
    }

    private static String text(LogRecord record) {
        return record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
    }

    /** A clock the test moves by hand. */
    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-11-30T12:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
