package io.baton.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The offline validator the deployment tests rely on reports what the Kubernetes API server would refuse. */
class KubernetesSchemasTest {

    @TempDir
    Path temp;

    @Test
    void reportsWrongTypesMissingFieldsUnknownFieldsAndUnknownKinds() throws IOException {
        Path file = Files.writeString(temp.resolve("broken.yaml"), """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: wrong-type
                spec:
                  replicas: "two"
                  selector:
                    matchLabels: {app: x}
                  template:
                    spec:
                      containers:
                        - name: x
                          image: x
                          readinesProbe: {}
                ---
                apiVersion: monitoring.coreos.com/v1
                kind: ServiceMonitor
                metadata:
                  name: no-selector
                spec:
                  endpoints: [{port: http}]
                ---
                apiVersion: v1
                kind: Servce
                metadata:
                  name: typo
                """);

        KubernetesSchemas.Report report = KubernetesSchemas.validate(List.of(file));

        assertThat(report.objects()).isEqualTo(3);
        assertThat(String.join("\n", report.problems()))
                .contains("Deployment/wrong-type", "/spec/replicas must be integer")
                .contains("/spec/template/spec/containers/0/readinesProbe is not a field of V1Container")
                .contains("ServiceMonitor/no-selector", "must have required property selector")
                .contains("no schema for v1 Servce");
    }
}
