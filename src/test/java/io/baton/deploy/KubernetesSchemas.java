package io.baton.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Offline validation of Kubernetes objects against the Kubernetes OpenAPI schemas, through the npm packages
 * kubernetes-models and @kubernetes/client-node (src/test/k8s-validate/validate.mjs says how). Its node_modules are installed once into target/k8s-validate with
 * {@code npm ci} and reused while the lock file is unchanged.
 */
final class KubernetesSchemas {

    private static final Path SOURCE = Path.of("src/test/k8s-validate");
    private static final Path WORK = Path.of("target/k8s-validate");
    private static final List<String> FILES = List.of("package.json", "package-lock.json", "validate.mjs");

    private static boolean installed;

    private KubernetesSchemas() {
    }

    /** What the validator found: how many objects the files hold, and each schema violation. */
    record Report(int objects, List<String> problems) {
    }

    /** Asserts that every object in the YAML files is valid and returns how many objects there were. */
    static int assertValid(List<Path> yamlFiles) {
        Report report = validate(yamlFiles);
        assertThat(report.problems()).as("schema violations in %s", yamlFiles).isEmpty();
        return report.objects();
    }

    static Report validate(List<Path> yamlFiles) {
        install();
        List<String> command = new ArrayList<>(List.of("node", "validate.mjs"));
        yamlFiles.forEach(file -> command.add(file.toAbsolutePath().toString()));
        try {
            JsonNode report = new ObjectMapper().readTree(Commands.run(WORK, Duration.ofMinutes(1), command));
            List<String> problems = new ArrayList<>();
            report.get("problems").forEach(problem -> problems.add(problem.asText()));
            return new Report(report.get("objects").asInt(), problems);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized void install() {
        if (installed) {
            return;
        }
        if (!Commands.onPath("node") || !Commands.onPath("npm")) {
            throw new IllegalStateException("The Kubernetes schema validation needs Node.js and npm: run "
                    + "`bash scripts/test-tools.sh` (installs Debian's nodejs and npm) or `./baton test`.");
        }
        try {
            Files.createDirectories(WORK);
            Path stamp = WORK.resolve("node_modules/.baton-lock");
            String lock = Files.readString(SOURCE.resolve("package-lock.json"));
            for (String file : FILES) {
                Files.copy(SOURCE.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
            if (!Files.exists(stamp) || !Files.readString(stamp).equals(lock)) {
                Commands.run(WORK, Duration.ofMinutes(5),
                        List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"));
                Files.writeString(stamp, lock);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        installed = true;
    }
}
