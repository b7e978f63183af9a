package io.baton.digdag;

import io.baton.digdag.client.DigdagEndpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The responses a real Digdag server gave, recorded in {@code src/test/resources/digdag-api/samples} (see the README
 * there), read from the test classpath.
 */
public final class DigdagSamples {

    private static final String DIR = "digdag-api/samples";

    /**
     * One recorded exchange: {@code NN-name.txt} (method, URL, request body, status) and {@code NN-name.json}.
     *
     * @param endpoint the Baton endpoint it belongs to, if Baton uses it
     */
    public record Sample(String name, String method, String path, String query, String requestBody,
                         String requestContentType, int status, String responseBody,
                         Optional<DigdagEndpoint> endpoint) {
    }

    private DigdagSamples() {
    }

    /**
     * Every recorded exchange with a JSON body. The {@code NN-http-operator-*.json} files have no {@code .txt}:
     * they are what Digdag's {@code http>} operator sent, not API answers, and are left out.
     */
    public static List<Sample> all() {
        Path dir = dir();
        List<Sample> samples = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path json : files.filter(f -> f.getFileName().toString().matches("\\d+-.*\\.json")).sorted()
                    .toList()) {
                String name = json.getFileName().toString().replace(".json", "");
                Path description = dir.resolve(name + ".txt");
                if (Files.exists(description)) {
                    samples.add(sample(name, Files.readString(description), Files.readString(json)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return samples;
    }

    /** The recorded exchange named like its files, without extension (e.g. {@code 13-get-attempt-running}). */
    public static Sample sample(String name) {
        return all().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no Digdag sample " + name + " in " + dir()));
    }

    /** The recorded response body of the named sample. */
    public static String body(String name) {
        return sample(name).responseBody();
    }

    /** The sample {@code NN-name} by its number, e.g. {@code numbered(95)}. */
    public static Sample numbered(int number) {
        return all().stream().filter(s -> s.name().startsWith(number + "-")).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no Digdag sample " + number + " in " + dir()));
    }

    /** Samples of one Baton endpoint and status. */
    public static List<Sample> of(DigdagEndpoint endpoint, int status) {
        return all().stream().filter(s -> s.endpoint().equals(Optional.of(endpoint)) && s.status() == status)
                .toList();
    }

    /** The samples folder on the test classpath (target/test-classes in a build). */
    static Path dir() {
        URL dir = DigdagSamples.class.getClassLoader().getResource(DIR);
        if (dir == null || !"file".equals(dir.getProtocol())) {
            throw new IllegalStateException("no folder " + DIR + " on the test classpath (src/test/resources): " + dir);
        }
        try {
            return Path.of(dir.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Sample sample(String name, String description, String body) {
        Map<String, String> fields = new HashMap<>();
        for (String line : description.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        URI url = URI.create(fields.get("URL"));
        String method = fields.get("METHOD");
        String requestBody = fields.getOrDefault("REQUEST BODY", "(none)");
        Optional<DigdagEndpoint> endpoint = Stream.of(DigdagEndpoint.values())
                .filter(e -> e.match(method, url.getRawPath()).isPresent()).findFirst();
        return new Sample(name, method, url.getRawPath(), url.getRawQuery(),
                requestBody.equals("(none)") ? "" : requestBody, fields.get("Content-Type"),
                Integer.parseInt(fields.get("STATUS")), body, endpoint);
    }
}
