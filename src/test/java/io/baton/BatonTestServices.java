package io.baton;

import io.baton.digdag.DigdagApiContract;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.EmulatorOptions;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.awaitility.core.ConditionTimeoutException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;

/**
 * The one test resource of the integration tests: makes sure the real PostgreSQL and Kafka of
 * {@code scripts/services.sh} run, gives every test run a fresh database and its own topics, and a JWT key pair
 * minted for this run only (no key is kept in the repository), and a Digdag API emulator as the Digdag server
 * {@code main}. The emulator lives as long as the JVM and tests drive it through {@link #emulator()}; every test
 * class starts on a reset one ({@link #resetEmulator()}). Baton's database lives as long as one Quarkus app, which
 * test classes of the same profile share: rules and runs of earlier classes are still there, so tests name their
 * rules and projects uniquely. The emulator checks every exchange against Digdag's API description
 * ({@link DigdagApiContract}): a request or an answer that breaks the contract is answered with a 500 naming it.
 */
public class BatonTestServices implements QuarkusTestResourceLifecycleManager {

    public static final String KAFKA = System.getProperty("baton.test.kafka", "127.0.0.1:9092");
    private static final String PG_HOST = System.getProperty("baton.test.pg", "127.0.0.1:5432");
    public static final String PG_USER = "baton";
    public static final String PG_PASSWORD = "baton";

    /** Distinguishes this JVM's database and topics from other runs on the same services. */
    public static final String RUN_ID = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

    /** The Digdag server name tests use; its URL is the emulator's. */
    public static final String DIGDAG_SERVER = "main";

    private static DigdagEmulator emulator;
    /** The database of the running Quarkus app. */
    private static volatile String appDatabase;

    private String database;

    @Override
    public Map<String, String> start() {
        database = freshDatabase();
        appDatabase = database;
        // A new app watches the emulator from scratch: it must not take attempts of earlier apps for its own.
        emulator().reset();

        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.jdbc.url", jdbcUrl(database));
        config.put("quarkus.datasource.username", PG_USER);
        config.put("quarkus.datasource.password", PG_PASSWORD);
        config.put("kafka.bootstrap.servers", KAFKA);
        config.put("mp.messaging.incoming.trigger-events.group.id", "baton-trigger-" + RUN_ID);
        config.put("mp.messaging.incoming.notify-events.group.id", "baton-notify-" + RUN_ID);
        // A webhook subscriptions may name in any test; nothing listens on port 9 (the discard port).
        config.put("baton.notify.webhooks.sink", "http://127.0.0.1:9/sink");
        config.put("baton.events.topic", topic("baton.digdag.events"));
        config.put("baton.events.triggers-topic", topic("baton.triggers"));
        config.put("baton.events.alerts-topic", topic("baton.alerts"));
        config.put("baton.events.dead-letter-topic", topic("baton.digdag.events.dlq"));
        config.putAll(TestKeys.config());
        config.put("baton.digdag.servers." + DIGDAG_SERVER + ".url", emulator().url());
        return config;
    }

    /** The emulator that plays the Digdag server {@code main}, started on first use. */
    public static synchronized DigdagEmulator emulator() {
        if (emulator == null) {
            emulator = DigdagEmulator.start(EmulatorOptions.defaults().withCheck(DigdagApiContract.shared()));
        }
        return emulator;
    }

    /**
     * Gives the test class about to run an emulator of its own: {@link DigdagEmulator#reset()}, which Baton's watcher
     * takes for the same server going on (not a restarted one). When the reset ended attempts an earlier class left
     * running, waits until the watcher of the app, which goes on running for this class, has seen them end, so that
     * it does not publish their ends in the background of this class's tests.
     */
    public static synchronized void resetEmulator() {
        if (emulator == null || emulator.reset() == 0 || appDatabase == null) {
            return;
        }
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> attemptsFollowed(appDatabase) == 0);
        } catch (ConditionTimeoutException e) {
            System.err.println("WARN: Baton's watcher still follows attempts of an earlier test class on the emulator; "
                    + "their ends may be published during the next class");
        }
    }

    private static long attemptsFollowed(String database) throws SQLException {
        try (Connection connection = connect(database);
             PreparedStatement query = connection.prepareStatement(
                     "SELECT count(*) FROM watch_attempt WHERE server = ?")) {
            query.setString(1, DIGDAG_SERVER);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    public static String topic(String name) {
        return name + "." + RUN_ID;
    }

    @Override
    public void stop() {
        if (database != null) {
            appDatabase = null;
            dropDatabase(database);
        }
    }

    /** Starts the services if needed and makes an empty database of this JVM; its name. */
    public static String freshDatabase() {
        services("up");
        String name = "baton_" + RUN_ID + "_" + System.nanoTime() % 100000;
        execute("postgres", "CREATE DATABASE " + name);
        return name;
    }

    public static void dropDatabase(String name) {
        execute("postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    public static String jdbcUrl(String database) {
        return "jdbc:postgresql://" + PG_HOST + "/" + database;
    }

    /** A connection as Baton's role, for a test that works on a database without Quarkus. */
    public static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), PG_USER, PG_PASSWORD);
    }

    /**
     * Runs {@code scripts/services.sh} with a command: {@code up}, or {@code kafka-down} / {@code kafka-up} for an
     * outage test (the broker must have been started by the script, as in CI).
     */
    public static void services(String command) {
        try {
            Process process = new ProcessBuilder("bash", "scripts/services.sh", command).inheritIO().start();
            if (process.waitFor() != 0) {
                throw new IllegalStateException("scripts/services.sh " + command + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void execute(String db, String sql) {
        try (Connection connection = connect(db)) {
            connection.createStatement().execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** An RSA key pair made per test JVM: Baton verifies with the public key, tests sign with the private one. */
    public static final class TestKeys {
        private static final Path DIR = Path.of("target", "test-keys");
        public static final Path PRIVATE_KEY = DIR.resolve("private.pem");
        public static final Path PUBLIC_KEY = DIR.resolve("public.pem");
        public static final String ISSUER = "https://baton.test/issuer";

        private static synchronized Map<String, String> config() {
            try {
                if (!Files.exists(PRIVATE_KEY)) {
                    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                    generator.initialize(2048);
                    KeyPair pair = generator.generateKeyPair();
                    Files.createDirectories(DIR);
                    Files.writeString(PRIVATE_KEY, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
                    Files.writeString(PUBLIC_KEY, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
                }
            } catch (IOException | NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            return Map.of(
                    "mp.jwt.verify.publickey.location", PUBLIC_KEY.toAbsolutePath().toString(),
                    "mp.jwt.verify.issuer", ISSUER,
                    "smallrye.jwt.sign.key.location", PRIVATE_KEY.toAbsolutePath().toString(),
                    "smallrye.jwt.new-token.issuer", ISSUER);
        }

        private static String pem(String type, byte[] der) {
            return "-----BEGIN " + type + "-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                    + "\n-----END " + type + "-----\n";
        }
    }
}
