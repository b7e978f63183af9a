package io.baton.digdag;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The responses a real Digdag server gave, recorded in {@code ../shared/digdag-api/samples}. */
public final class DigdagSamples {

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

    public static boolean present() {
        return Files.isDirectory(DigdagApiContract.API_DIR.resolve("samples"));
    }

    /** Every sample with a JSON body. */
    public static List<Sample> all() {
        Path dir = DigdagApiContract.API_DIR.resolve("samples");
        List<Sample> samples = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path json : files.filter(f -> f.getFileName().toString().matches("\\d\\d-.*\\.json")).sorted()
                    .toList()) {
                String name = json.getFileName().toString().replace(".json", "");
                samples.add(sample(name, Files.readString(dir.resolve(name + ".txt")), Files.readString(json)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return samples;
    }

    /** The sample {@code NN-name} by its number, e.g. {@code numbered(95)}. */
    public static Sample numbered(int number) {
        Path dir = DigdagApiContract.API_DIR.resolve("samples");
        try (Stream<Path> files = Files.list(dir)) {
            Path json = files.filter(f -> f.getFileName().toString().matches(number + "-.*\\.json")).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no sample " + number + " in " + dir));
            String name = json.getFileName().toString().replace(".json", "");
            return sample(name, Files.readString(dir.resolve(name + ".txt")), Files.readString(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Samples of one Baton endpoint and status. */
    public static List<Sample> of(DigdagEndpoint endpoint, int status) {
        return all().stream().filter(s -> s.endpoint().equals(Optional.of(endpoint)) && s.status() == status)
                .toList();
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
