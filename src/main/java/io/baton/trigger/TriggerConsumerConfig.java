package io.baton.trigger;

import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.apache.kafka.clients.consumer.ConsumerConfig;

import java.util.Map;

/**
 * Kafka settings of the trigger consumer that come from Baton's configuration: static group membership when the
 * replica has a stable name ({@code baton.trigger.instance-id}, the pod name on Kubernetes), so that a replica that
 * restarts under the same name gets its partitions back without a rebalance.
 */
@ApplicationScoped
public class TriggerConsumerConfig {

    /** Named by {@code mp.messaging.incoming.trigger-events.kafka-configuration}. */
    @Produces
    @Identifier("baton-trigger-consumer")
    Map<String, Object> consumerConfig(TriggerConfig config) {
        return config.instanceId().<Map<String, Object>>map(id -> Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id))
                .orElse(Map.of());
    }
}
