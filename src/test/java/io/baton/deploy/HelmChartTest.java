package io.baton.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.baton.digdag.client.DigdagConfig;
import io.smallrye.config.SmallRyeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Helm chart in helm/baton: strict lint, rendering with several value sets, schema checks of the results. */
class HelmChartTest {

    private static final Path CHART = Path.of("helm/baton");
    private static final Path EXAMPLES = Path.of("helm/examples");

    @TempDir
    Path temp;

    @Test
    void lintsCleanInStrictMode() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
    }

    /** Default values and every example values file render objects that the Kubernetes schemas accept. */
    @ParameterizedTest
    @ValueSource(strings = {"", "minimal.yaml", "production.yaml", "single-replica.yaml"})
    void rendersValidKubernetesObjects(String valuesFile) throws IOException {
        Path rendered = temp.resolve("rendered.yaml");
        Files.writeString(rendered, render(valuesFile.isEmpty() ? null : EXAMPLES.resolve(valuesFile)));

        int objects = KubernetesSchemas.assertValid(List.of(rendered));

        Manifests manifests = Manifests.parse(Files.readString(rendered));
        assertThat(objects).isEqualTo(manifests.objects().size());
        manifests.assertHardenedDeployment();
    }

    @Test
    void defaultValuesRunTwoPodsWithADisruptionBudgetAndNoAutoscaler() {
        Manifests manifests = Manifests.parse(render(null));

        assertThat(manifests.kinds()).containsExactly("ConfigMap", "Deployment", "PodDisruptionBudget", "Secret",
                "Service", "ServiceAccount");
        assertThat(manifests.one("Deployment").at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(manifests.one("PodDisruptionBudget").at("/spec/minAvailable").asInt()).isEqualTo(1);
        assertThat(manifests.container().path("image").asText()).isEqualTo("baton:0.1.0");
    }

    @Test
    void productionValuesUseTheExistingSecretAutoscalingMonitoringAndNetworkPolicy() {
        Manifests manifests = Manifests.parse(render(EXAMPLES.resolve("production.yaml")));

        assertThat(manifests.kinds()).containsExactly("ConfigMap", "Deployment", "HorizontalPodAutoscaler",
                "NetworkPolicy", "PodDisruptionBudget", "Service", "ServiceAccount", "ServiceMonitor");
        JsonNode deployment = manifests.one("Deployment");
        assertThat(deployment.at("/spec/replicas").isMissingNode()).as("replicas left to the autoscaler").isTrue();
        assertThat(manifests.one("HorizontalPodAutoscaler").at("/spec/maxReplicas").asInt()).isEqualTo(6);
        assertThat(manifests.envNames()).contains("JAVA_MAX_MEM_RATIO", "TZ", "QUARKUS_DATASOURCE_PASSWORD",
                "SECRET_BATON_DIGDAG_SERVERS_EU_WEST_HEADERS_X_API_TOKEN", "SECRET_KAFKA_SASL_JAAS_CONFIG");
        assertThat(deployment.at("/spec/template/spec/volumes").findValuesAsText("secretName"))
                .containsOnly("baton-secrets", "kafka-cluster-ca");
        assertThat(manifests.one("ServiceMonitor").at("/metadata/labels/release").asText()).isEqualTo("prometheus");
        assertThat(manifests.one("NetworkPolicy").at("/spec/policyTypes").toString()).contains("Ingress", "Egress");
    }

    @Test
    void singleReplicaValuesCreateTheSecretAndNoDisruptionBudget() {
        Manifests manifests = Manifests.parse(render(EXAMPLES.resolve("single-replica.yaml")));

        assertThat(manifests.kinds()).containsExactly("ConfigMap", "Deployment", "Secret", "Service");
        assertThat(manifests.one("Deployment").at("/spec/template/spec/serviceAccountName").asText())
                .isEqualTo("data-jobs");
        assertThat(manifests.one("Secret").at("/stringData/digdag-local-authorization").asText())
                .isEqualTo("Basic dXNlcjpwYXNz");
        assertThat(manifests.one("Service").at("/spec/type").asText()).isEqualTo("NodePort");
        assertThat(manifests.one("ConfigMap").at("/data/application.properties").asText())
                .doesNotContain("dXNlcjpwYXNz", "not-a-real-password");
    }

    /** What Quarkus reads in the pod: properties from the ConfigMap, secrets from environment variables. */
    @Test
    void valuesMapToBatonsQuarkusConfiguration() {
        Manifests manifests = Manifests.parse(render(EXAMPLES.resolve("production.yaml")));
        Map<String, String> secret = Map.of(
                "database-password", "db-secret",
                "digdag-main-authorization", "Bearer main-token",
                "digdag-eu-west-token", "eu-token",
                "kafka-jaas", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"baton\" password=\"p\";",
                "slack-data-team", "https://hooks.slack.example/T000/B000/XXX",
                "database-ssl-password", "ssl-secret");

        SmallRyeConfig config = manifests.quarkusConfig(secret);

        DigdagConfig digdag = config.getConfigMapping(DigdagConfig.class);
        assertThat(digdag.servers()).containsOnlyKeys("main", "eu-west", "legacy");
        DigdagConfig.Server main = digdag.servers().get("main");
        assertThat(main.url()).isEqualTo("https://digdag.example.com");
        assertThat(main.headers()).containsExactly(Map.entry("Authorization", "Bearer main-token"));
        assertThat(main.readTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(main.maxAttempts()).isEqualTo(5);
        DigdagConfig.Server euWest = digdag.servers().get("eu-west");
        assertThat(euWest.headers()).containsOnly(Map.entry("X-Team", "data-platform"),
                Map.entry("X-Api-Token", "eu-token"));
        assertThat(euWest.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(euWest.backoff()).isEqualTo(Duration.ofMillis(500));
        assertThat(digdag.servers().get("legacy").headers()).isEmpty();

        assertThat(config.getValue("quarkus.datasource.password", String.class)).isEqualTo("db-secret");
        assertThat(config.getValue("quarkus.datasource.jdbc.url", String.class))
                .isEqualTo("jdbc:postgresql://pg-primary.databases:5432/baton?sslmode=require");
        assertThat(config.getValue("quarkus.datasource.username", String.class)).isEqualTo("baton_app");
        assertThat(config.getValue("kafka.bootstrap.servers", String.class)).startsWith("kafka-0.kafka:9093,");
        assertThat(config.getValue("kafka.security.protocol", String.class)).isEqualTo("SASL_SSL");
        assertThat(config.getValue("kafka.sasl.mechanism", String.class)).isEqualTo("SCRAM-SHA-512");
        assertThat(config.getValue("kafka.sasl.jaas.config", String.class)).isEqualTo(secret.get("kafka-jaas"));
        assertThat(config.getValue("kafka.ssl.truststore.location", String.class))
                .isEqualTo("/deployments/kafka-tls/ca.crt");
        assertThat(config.getValue("mp.jwt.verify.publickey.location", String.class))
                .isEqualTo("/deployments/secrets/jwt/jwt-public-key.pem");
        assertThat(config.getValue("baton.rules.slack-webhooks.data-team", String.class))
                .isEqualTo(secret.get("slack-data-team"));
        assertThat(config.getValue("baton.events.relay.batch-size", Integer.class)).isEqualTo(1000);
        assertThat(config.getValue("quarkus.datasource.jdbc.additional-jdbc-properties.sslpassword", String.class))
                .isEqualTo("ssl-secret");
        assertThat(manifests.one("ConfigMap").at("/data/application.properties").asText())
                .doesNotContain("main-token", "eu-token", "db-secret", "ssl-secret");
    }

    @Test
    void installNotesNameTheSecretKeysAndWarnAboutWhatIsMissing() {
        String defaults = installNotes(null);
        assertThat(defaults).contains("Secret baton must hold the keys: database-password, jwt-public-key.pem.")
                .contains("WARNING: secrets.stringData has no database-password")
                .contains("WARNING: digdag.servers is empty");

        String production = installNotes(EXAMPLES.resolve("production.yaml"));
        assertThat(production).contains("with 2 to 6 pods (autoscaled)")
                .contains("Secret baton-secrets must hold the keys: database-password, jwt-public-key.pem, "
                        + "digdag-eu-west-token, digdag-main-authorization, slack-data-team, kafka-jaas, "
                        + "database-ssl-password.")
                .doesNotContain("WARNING");
    }

    @Test
    void schemaRejectsAStringReplicaCount() throws IOException {
        assertRejected("replicaCount: \"two\"\n", "replicaCount");
    }

    @Test
    void schemaRejectsAnUnknownTopLevelKey() throws IOException {
        assertRejected("replicas: 3\n", "replicas");
    }

    @Test
    void schemaRejectsABadDigdagServerEntry() throws IOException {
        assertRejected("""
                digdag:
                  servers:
                    - name: Main_Server
                      url: digdag:65432
                """, "name");
        assertRejected("""
                digdag:
                  servers:
                    - name: main
                      url: http://digdag:65432
                      readTimeout: 10
                """, "readTimeout");
    }

    @Test
    void schemaRejectsAnUnknownKafkaProtocolAndAWrongAutoscalingType() throws IOException {
        assertRejected("kafka:\n  bootstrapServers: kafka:9092\n  securityProtocol: TLS\n", "securityProtocol");
        assertRejected("autoscaling:\n  enabled: \"yes\"\n", "enabled");
    }

    private void assertRejected(String values, String field) throws IOException {
        Path file = Files.writeString(Files.createTempFile(temp, "values-", ".yaml"), values);
        assertThatThrownBy(() -> render(file))
                .as("values %s", values)
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(field);
    }

    /** NOTES.txt as {@code helm install --dry-run=client} prints it. */
    private static String installNotes(Path valuesFile) {
        InstallCommand install = new Helm(CHART).install().withName("baton").withNamespace("data")
                .dryRun().withDryRunOption(DryRun.CLIENT).clientOnly();
        if (valuesFile != null) {
            install = install.withValuesFile(valuesFile);
        }
        return install.call().getOutput();
    }

    private static String render(Path valuesFile) {
        TemplateCommand template = new Helm(CHART).template().withName("baton").withNamespace("data");
        if (valuesFile != null) {
            template = template.withValuesFile(valuesFile);
        }
        return template.call();
    }
}
