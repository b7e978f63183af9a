package io.baton.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.baton.digdag.client.DigdagConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** Kubernetes objects as rendered by Helm or kustomize, and the Quarkus configuration they give Baton's container. */
record Manifests(List<JsonNode> objects) {

    /** Ordinals Quarkus gives {@code config/application.properties} and environment variables. */
    private static final int CONFIG_DIR_ORDINAL = 260;
    private static final int ENV_ORDINAL = 300;

    static final List<String> STANDARD_LABELS = List.of("app.kubernetes.io/name", "app.kubernetes.io/instance",
            "app.kubernetes.io/version", "app.kubernetes.io/component", "app.kubernetes.io/part-of");

    static Manifests parse(String yaml) {
        List<JsonNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document != null && document.isObject() && !document.isEmpty()) {
                    objects.add(document);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Manifests(objects);
    }

    List<String> kinds() {
        return objects.stream().map(o -> o.path("kind").asText()).sorted().toList();
    }

    JsonNode one(String kind) {
        List<JsonNode> matching = objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
        assertThat(matching).as("objects of kind %s", kind).hasSize(1);
        return matching.get(0);
    }

    JsonNode container() {
        return one("Deployment").at("/spec/template/spec/containers/0");
    }

    List<String> envNames() {
        List<String> names = new ArrayList<>();
        container().path("env").forEach(variable -> names.add(variable.path("name").asText()));
        return names;
    }

    /**
     * Checks what every Baton pod must have, whatever the values: probes, non-root, read-only root with a /tmp, and
     * its pod name as its static member name in the trigger consumer group.
     */
    void assertHardenedDeployment() {
        JsonNode deployment = one("Deployment");
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode container = container();
        assertThat(deployment.at("/spec/strategy/type").asText()).isEqualTo("RollingUpdate");
        assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/q/health/started");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
        assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
        assertThat(container.at("/resources/requests/memory").isMissingNode()).isFalse();
        assertThat(container.at("/resources/limits/memory").isMissingNode()).isFalse();
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(mountPaths(container)).contains("/tmp", "/deployments/config");
        assertThat(fieldRefs(container)).containsEntry("BATON_TRIGGER_INSTANCE_ID", "metadata.name");
        assertThat(pod.findValues("emptyDir")).isNotEmpty();
        assertThat(pod.path("serviceAccountName").asText()).isNotEmpty();
        for (JsonNode object : objects) {
            assertThat(fieldNames(object.at("/metadata/labels")))
                    .as("labels of %s %s", object.path("kind").asText(), object.at("/metadata/name").asText())
                    .containsAll(STANDARD_LABELS);
        }
        assertThat(fieldNames(deployment.at("/spec/template/metadata/labels"))).containsAll(STANDARD_LABELS);
    }

    /** Environment variables set from the pod's own fields (the downward API), by name. */
    private static Map<String, String> fieldRefs(JsonNode container) {
        Map<String, String> refs = new HashMap<>();
        container.path("env").forEach(variable -> {
            JsonNode path = variable.at("/valueFrom/fieldRef/fieldPath");
            if (!path.isMissingNode()) {
                refs.put(variable.path("name").asText(), path.asText());
            }
        });
        return refs;
    }

    /**
     * The configuration Baton's container sees: the ConfigMap's application.properties as Quarkus reads it from
     * /deployments/config, and the container's environment, with secret references resolved from {@code secret}.
     */
    SmallRyeConfig quarkusConfig(Map<String, String> secret) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(one("ConfigMap").at("/data/application.properties").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> env = new HashMap<>();
        for (JsonNode variable : container().path("env")) {
            JsonNode secretKey = variable.at("/valueFrom/secretKeyRef/key");
            if (secretKey.isMissingNode()) {
                env.put(variable.path("name").asText(), variable.path("value").asText());
            } else {
                assertThat(secret).as("Secret keys the pod needs").containsKey(secretKey.asText());
                env.put(variable.path("name").asText(), secret.get(secretKey.asText()));
            }
        }
        return new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "configmap", CONFIG_DIR_ORDINAL))
                .withSources(new EnvConfigSource(env, ENV_ORDINAL))
                .withMapping(DigdagConfig.class)
                .build();
    }

    private static List<String> mountPaths(JsonNode container) {
        return container.path("volumeMounts").findValuesAsText("mountPath");
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
