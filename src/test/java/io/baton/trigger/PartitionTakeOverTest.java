package io.baton.trigger;

import io.baton.BatonTestServices;
import io.baton.events.EventsConfig;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Issue 15: the partitions of a replica killed without leaving the group move to the surviving one within 15 s. */
@QuarkusTest
@TestProfile(TakeOverTestProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class PartitionTakeOverTest {

    private static final String KILLED = "killed-replica";

    @Inject
    EventsConfig events;

    @ConfigProperty(name = "mp.messaging.incoming.trigger-events.group.id")
    String group;

    @ConfigProperty(name = "mp.messaging.incoming.trigger-events.session.timeout.ms")
    String sessionTimeout;

    @ConfigProperty(name = "mp.messaging.incoming.trigger-events.heartbeat.interval.ms")
    String heartbeatInterval;

    @Test
    void theSurvivingReplicaTakesOverTheKilledReplicasPartitionsWithinFifteenSeconds() throws Exception {
        Set<TopicPartition> partitions = Set.of(new TopicPartition(TakeOverTestProfile.TOPIC, 0),
                new TopicPartition(TakeOverTestProfile.TOPIC, 1));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BatonTestServices.KAFKA))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> batonAlone(admin, partitions));

            // A second replica with Baton's consumer settings joins and gets one of the two partitions.
            KafkaConsumer<String, String> second = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BatonTestServices.KAFKA,
                    ConsumerConfig.GROUP_ID_CONFIG, group,
                    ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, KILLED,
                    ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, sessionTimeout,
                    ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, heartbeatInterval),
                    new StringDeserializer(), new StringDeserializer());
            second.subscribe(List.of(events.topic(), TakeOverTestProfile.TOPIC));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                second.poll(Duration.ofMillis(200));
                return second.assignment().stream().anyMatch(partitions::contains);
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> members(admin).size() == 2);

            // Killed: it stops heartbeating and never leaves the group.
            long killedAt = System.nanoTime();
            second.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP));
            assertThat(members(admin)).extracting(m -> m.groupInstanceId().orElse(null)).contains(KILLED);

            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> batonAlone(admin, partitions));
            long millis = Duration.ofNanos(System.nanoTime() - killedAt).toMillis();
            System.out.printf("take-over: the killed replica's partitions were reassigned after %d ms "
                    + "(session.timeout.ms=%s, heartbeat.interval.ms=%s)%n", millis, sessionTimeout, heartbeatInterval);
        }
    }

    /** Whether Baton, under its static member name, is the group's only member and holds both partitions. */
    private boolean batonAlone(Admin admin, Set<TopicPartition> partitions) throws Exception {
        ConsumerGroupDescription description = describe(admin);
        List<MemberDescription> members = List.copyOf(description.members());
        return description.groupState() == GroupState.STABLE && members.size() == 1
                && members.get(0).groupInstanceId().equals(Optional.of(TakeOverTestProfile.INSTANCE_ID))
                && members.get(0).assignment().topicPartitions().containsAll(partitions);
    }

    private List<MemberDescription> members(Admin admin) throws Exception {
        return List.copyOf(describe(admin).members());
    }

    private ConsumerGroupDescription describe(Admin admin) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
    }
}
