package io.baton.trigger;

import io.baton.BatonTestServices;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Baton as a named replica (static membership) that also consumes an external topic of two partitions, created before
 * Baton starts, so that a second member of its group gets a partition to lose.
 */
public class TakeOverTestProfile implements QuarkusTestProfile {

    static final String TOPIC = BatonTestServices.topic("baton.takeover");
    static final String INSTANCE_ID = "baton-" + BatonTestServices.RUN_ID;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("baton.trigger.instance-id", INSTANCE_ID);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(TwoPartitionTopic.class));
    }

    public static class TwoPartitionTopic implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BatonTestServices.KAFKA))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot create " + TOPIC, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return Map.of("baton.trigger.external-topic", TOPIC);
        }

        @Override
        public void stop() {
        }
    }
}
