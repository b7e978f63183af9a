package io.baton.deploy;

import io.baton.digdag.client.DigdagConfig;
import io.smallrye.config.SmallRyeConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The plain manifests in k8s/: every file is a valid Kubernetes object, and the kustomizations render. */
class KubernetesManifestsTest {

    private static final Path MANIFESTS = Path.of("k8s");
    private static final Map<String, String> SECRET = Map.of(
            "database-password", "db-secret",
            "digdag-main-authorization", "Basic bWFpbjpzZWNyZXQ=",
            "slack-alerts", "https://hooks.slack.example/T000/B000/XXX");

    @TempDir
    Path temp;

    @Test
    void everyManifestFileIsAValidKubernetesObject() throws IOException {
        List<Path> objectFiles;
        try (Stream<Path> files = Files.walk(MANIFESTS)) {
            objectFiles = files.filter(file -> file.toString().endsWith(".yaml"))
                    .filter(file -> !file.getFileName().toString().equals("kustomization.yaml"))
                    .sorted().toList();
        }
        assertThat(objectFiles).hasSizeGreaterThanOrEqualTo(8);

        assertThat(KubernetesSchemas.assertValid(objectFiles)).isEqualTo(objectFiles.size());
    }

    @Test
    void baseRendersTwoHardenedPodsWhoseConfigurationQuarkusReads() throws IOException {
        Manifests base = kustomize("base");

        assertThat(base.kinds()).containsExactly("ConfigMap", "Deployment", "PodDisruptionBudget", "Service",
                "ServiceAccount");
        base.assertHardenedDeployment();
        assertThat(base.one("Deployment").at("/spec/replicas").asInt()).isEqualTo(2);
        SmallRyeConfig config = base.quarkusConfig(SECRET);
        DigdagConfig.Server main = config.getConfigMapping(DigdagConfig.class).servers().get("main");
        assertThat(main.url()).isEqualTo("http://digdag:65432");
        assertThat(main.headers()).containsExactly(Map.entry("Authorization", SECRET.get("digdag-main-authorization")));
        assertThat(config.getValue("quarkus.datasource.password", String.class)).isEqualTo("db-secret");
        assertThat(config.getValue("baton.rules.slack-webhooks.alerts", String.class))
                .isEqualTo(SECRET.get("slack-alerts"));
    }

    @Test
    void exampleOverlayRendersValidObjectsWithItsChanges() throws IOException {
        Manifests overlay = kustomize("overlays/example");

        assertThat(overlay.kinds()).containsExactly("ConfigMap", "Deployment", "NetworkPolicy",
                "PodDisruptionBudget", "Service", "ServiceAccount", "ServiceMonitor");
        overlay.assertHardenedDeployment();
        assertThat(overlay.objects()).allSatisfy(
                object -> assertThat(object.at("/metadata/namespace").asText()).isEqualTo("data-platform"));
        assertThat(overlay.one("Deployment").at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(overlay.container().path("image").asText()).isEqualTo("registry.example.com/data/baton:0.1.0");
        assertThat(overlay.container().at("/resources/limits/memory").asText()).isEqualTo("2Gi");
        SmallRyeConfig config = overlay.quarkusConfig(SECRET);
        DigdagConfig.Server main = config.getConfigMapping(DigdagConfig.class).servers().get("main");
        assertThat(main.url()).isEqualTo("http://digdag.batch:65432");
        assertThat(main.readTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.getValue("baton.events.topic", String.class)).isEqualTo("digdag.completions");
    }

    /** Renders a kustomization with kubectl's built-in kustomize and validates the result against the schemas. */
    private Manifests kustomize(String kustomization) throws IOException {
        Assumptions.assumeTrue(Commands.onPath("kubectl"),
                "kubectl (with its built-in kustomize) is not installed: k8s/" + kustomization + " not rendered");
        String rendered = Commands.run(MANIFESTS.resolve(kustomization), Duration.ofMinutes(1),
                List.of("kubectl", "kustomize", "."));
        Path file = Files.writeString(temp.resolve("kustomized.yaml"), rendered);
        Manifests manifests = Manifests.parse(rendered);
        assertThat(KubernetesSchemas.assertValid(List.of(file))).isEqualTo(manifests.objects().size());
        return manifests;
    }
}
