package io.baton.events;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Follows every partition of one or more topics without a consumer group: partitions are assigned by hand, so each follower
 * sees every record (a broadcast), starts at once without a group rebalance and leaves no group behind. The first
 * partitions start at the end (or the beginning); partitions that appear later start at their beginning, since all
 * they hold is new. Not thread-safe except {@link #wakeup()}. Serves Baton's per-replica wait listener, the console's
 * live feed and the command line's {@code events tail}.
 */
public final class TopicFollower implements AutoCloseable {

    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
    /** How often the partition list is read again; while the topic does not exist yet, every second. */
    private static final Duration PARTITION_REFRESH = Duration.ofSeconds(10);
    private static final Duration TOPIC_MISSING_REFRESH = Duration.ofSeconds(1);

    private final KafkaConsumer<String, String> consumer;
    private final List<String> topics;
    private final boolean fromBeginning;
    private Set<TopicPartition> assigned = Set.of();
    private boolean positioned;
    private long nextRefreshNanos;

    /** Follows one topic; see {@link #TopicFollower(Map, List, boolean)}. */
    public TopicFollower(Map<String, Object> kafkaConfig, String topic, boolean fromBeginning) {
        this(kafkaConfig, List.of(topic), fromBeginning);
    }

    /**
     * @param kafkaConfig client properties (bootstrap servers, security); group and deserializer settings are set here
     */
    public TopicFollower(Map<String, Object> kafkaConfig, List<String> topics, boolean fromBeginning) {
        Map<String, Object> properties = new HashMap<>(kafkaConfig);
        properties.remove(ConsumerConfig.GROUP_ID_CONFIG);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
        this.topics = List.copyOf(topics);
        this.fromBeginning = fromBeginning;
    }

    /**
     * Reads what arrived within {@code timeout} and hands each record to {@code each}. After the first call returns,
     * every record published later is seen.
     *
     * @throws WakeupException after {@link #wakeup()}
     */
    public void poll(Duration timeout, Consumer<ConsumerRecord<String, String>> each) {
        if (System.nanoTime() - nextRefreshNanos >= 0) {
            refreshPartitions();
        }
        if (assigned.isEmpty()) {
            pause(timeout);
            return;
        }
        for (ConsumerRecord<String, String> record : consumer.poll(timeout)) {
            each.accept(record);
        }
    }

    /** True once the partitions that existed at the first look-up are positioned (or the topic did not exist). */
    public boolean positioned() {
        return positioned;
    }

    /** Makes a blocked {@link #poll} throw {@code WakeupException}; the one method safe from another thread. */
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }

    /** A CloudEvents binary-mode attribute, e.g. {@code ce_type}, or null. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private void refreshPartitions() {
        List<PartitionInfo> infos = new ArrayList<>();
        try {
            for (String topic : topics) {
                infos.addAll(consumer.partitionsFor(topic, METADATA_TIMEOUT));
            }
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            // Kafka unreachable: not positioned yet, so nothing published meanwhile is replayed later.
            nextRefreshNanos = System.nanoTime() + TOPIC_MISSING_REFRESH.toNanos();
            return;
        }
        Set<TopicPartition> current = new HashSet<>();
        infos.forEach(info -> current.add(new TopicPartition(info.topic(), info.partition())));
        if (!current.isEmpty() && !current.equals(assigned)) {
            Set<TopicPartition> added = new HashSet<>(current);
            added.removeAll(assigned);
            consumer.assign(current);
            if (positioned || fromBeginning) {
                consumer.seekToBeginning(added);
            } else {
                consumer.seekToEnd(added);
            }
            added.forEach(consumer::position);
            assigned = Set.copyOf(current);
        }
        positioned = true;
        nextRefreshNanos = System.nanoTime() + (assigned.isEmpty() ? TOPIC_MISSING_REFRESH : PARTITION_REFRESH).toNanos();
    }

    private static void pause(Duration timeout) {
        try {
            Thread.sleep(Math.min(timeout.toMillis(), TOPIC_MISSING_REFRESH.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
