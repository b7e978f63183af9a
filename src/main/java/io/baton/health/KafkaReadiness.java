package io.baton.health;

import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Readiness of the Kafka cluster, in place of Quarkus' own check, which waits for the broker without a bound (60 s,
 * the admin client's default) and so hangs the probe while Kafka is down.
 */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements HealthCheck {

    private static final String NAME = "Kafka";

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    HealthConfig config;

    private final BoundedCheck check = new BoundedCheck(NAME, this::describeCluster);
    private Admin admin;

    @Override
    public HealthCheckResponse call() {
        return check.call(config.timeout());
    }

    private HealthCheckResponse describeCluster() {
        int timeout = (int) config.timeout().toMillis();
        try {
            String nodes = admin().describeCluster(new DescribeClusterOptions().timeoutMs(timeout)).nodes()
                    .get(timeout, TimeUnit.MILLISECONDS).stream().map(Node::host).collect(Collectors.joining(","));
            return HealthCheckResponse.named(NAME).up().withData("nodes", nodes).build();
        } catch (Exception e) {
            return HealthCheckResponse.named(NAME).down().withData("reason", String.valueOf(e)).build();
        }
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Map<String, Object> adminConfig = new HashMap<>(kafkaConfig);
            adminConfig.put(AdminClientConfig.CLIENT_ID_CONFIG, "baton-health");
            admin = Admin.create(adminConfig);
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
