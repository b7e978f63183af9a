package io.baton.events;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A daemon thread that follows topics with a {@link TopicFollower} from their end and hands every record to a
 * handler, starting over after a failure, until {@link #stop()}. Each replica's per-replica listeners use it.
 */
public final class TopicListener {

    private static final Logger LOG = Logger.getLogger(TopicListener.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final Map<String, Object> kafkaConfig;
    private final List<String> topics;
    private final Consumer<ConsumerRecord<String, String>> handler;
    private final Runnable onPositioned;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile TopicFollower follower;

    private TopicListener(String name, Map<String, Object> kafkaConfig, List<String> topics,
                          Consumer<ConsumerRecord<String, String>> handler, Runnable onPositioned) {
        this.kafkaConfig = kafkaConfig;
        this.topics = List.copyOf(topics);
        this.handler = handler;
        this.onPositioned = onPositioned;
        this.thread = new Thread(this::listen, name);
        this.thread.setDaemon(true);
    }

    /**
     * @param onPositioned run after each poll once the follower is positioned: every record published later is seen
     */
    public static TopicListener start(String name, Map<String, Object> kafkaConfig, List<String> topics,
                                      Consumer<ConsumerRecord<String, String>> handler, Runnable onPositioned) {
        TopicListener listener = new TopicListener(name, kafkaConfig, topics, handler, onPositioned);
        listener.thread.start();
        return listener;
    }

    public void stop() throws InterruptedException {
        running = false;
        TopicFollower current = follower;
        if (current != null) {
            current.wakeup();
        }
        thread.join(Duration.ofSeconds(5).toMillis());
    }

    private void listen() {
        while (running) {
            try (TopicFollower topic = new TopicFollower(kafkaConfig, topics, false)) {
                follower = topic;
                while (running) {
                    topic.poll(POLL, handler);
                    if (topic.positioned()) {
                        onPositioned.run();
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("reading %s failed, starting over: %s", topics, e.getMessage());
                pauseAfterFailure();
            }
        }
    }

    private static void pauseAfterFailure() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
