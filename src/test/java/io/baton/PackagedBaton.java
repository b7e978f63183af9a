package io.baton;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * The packaged application ({@code target/quarkus-app}, built by {@code mvn verify} before the failsafe tests) as its
 * own process, configured for the services of {@link BatonTestServices}, on a free port that it keeps across
 * restarts.
 */
public final class PackagedBaton implements AutoCloseable {

    private final Map<String, String> config;
    private final List<String> properties;
    private final Path log;
    private final int port;
    private Process process;

    /**
     * @param config     what {@link BatonTestServices#start()} returned
     * @param log        where the process writes its output
     * @param properties further {@code key=value} settings
     */
    public PackagedBaton(Map<String, String> config, Path log, String... properties) throws IOException {
        this.config = config;
        this.properties = List.of(properties);
        this.log = log;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
    }

    /** {@code count("trigger_rerun WHERE ...")} in the process's database; the condition is the test's own text. */
    public long count(String tableAndCondition) throws SQLException {
        try (Connection connection = DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"));
             ResultSet rows = connection.createStatement().executeQuery("SELECT count(*) FROM " + tableAndCondition)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** Starts the process and waits until it reports ready. */
    public void launch() {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-Dquarkus.http.port=" + port);
        properties.forEach(property -> command.add("-D" + property));
        command.add("-jar");
        command.add(Path.of("target", "quarkus-app", "quarkus-run.jar").toString());
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the packaged application", e);
        }
        HttpClient http = HttpClient.newHttpClient();
        // A loaded build machine may take minutes to start a JVM; the wait ends as soon as the application is ready.
        await().atMost(Duration.ofMinutes(4)).ignoreExceptions().until(() -> http.send(
                HttpRequest.newBuilder(URI.create(url() + "/q/health/ready")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    /** Kills the process (SIGKILL) and waits for it to end. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroyForcibly();
        }
    }
}
