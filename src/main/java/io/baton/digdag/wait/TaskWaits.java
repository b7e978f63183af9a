package io.baton.digdag.wait;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.digdag.client.DigdagConfig;
import io.baton.digdag.client.SessionTimeParam;
import io.baton.digdag.client.SessionTimes;
import io.baton.digdag.client.Task;
import io.baton.digdag.rest.DigdagService;
import io.baton.digdag.rest.TaskStatus;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventsConfig;
import io.baton.events.TopicFollower;
import io.baton.events.TopicListener;
import io.baton.problem.ProblemException;
import io.baton.watch.WaitInterest;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Long-polls on a task's state, answered from Baton's own view of Digdag: one look at the task when the wait begins,
 * then the completion events the watcher publishes, read by this replica from the events topic (every replica reads
 * every partition, since the waiter and the watcher may be on different replicas). No Digdag polling per waiter.
 * The wait also registers a {@link WaitInterest}, so the watcher reads the task lists of the workflow even when no
 * rule references it; when an attempt of the session ends without an event for the task (say the watcher took up the
 * interest too late), the task is read once more from that attempt.
 */
@ApplicationScoped
public class TaskWaits {

    private static final Logger LOG = Logger.getLogger(TaskWaits.class);
    private static final Duration LISTENER_READY_TIMEOUT = Duration.ofSeconds(10);

    @Inject
    DigdagService digdag;

    @Inject
    DigdagConfig config;

    @Inject
    WaitInterest interest;

    @Inject
    EventsConfig events;

    @Inject
    ObjectMapper mapper;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    /** Waiters by {@code server/project/workflow}, the key of completion events. */
    private final Map<String, Set<Waiter>> waiters = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> listening = new CompletableFuture<>();
    private TopicListener listener;

    /** One waiting request. {@code sinceAttempt}: events of older attempts of the session say nothing new. */
    private final class Waiter {
        final DigdagService.WorkflowTarget target;
        final OffsetDateTime sessionTime;
        final String task;
        final String wanted;
        final CompletableFuture<WaitOutcome> result = new CompletableFuture<>();
        volatile long sinceAttempt;

        Waiter(DigdagService.WorkflowTarget target, OffsetDateTime sessionTime, String task, String wanted) {
            this.target = target;
            this.sessionTime = sessionTime;
            this.task = task;
            this.wanted = wanted;
        }

        String key() {
            return target.server() + "/" + target.project().name() + "/" + target.workflow().name();
        }

        /** Completes when the state is the wanted one or can no longer change into it in this attempt. */
        boolean offer(TaskStatus status) {
            boolean reached = wanted.equals(status.state());
            if (reached || status.done() || status.attemptEnded()) {
                return result.complete(new WaitOutcome(reached, wanted, status));
            }
            return false;
        }

        void onCompletion(DigdagCompletion completion) {
            if (!SessionTimes.parse(completion.sessionTime()).isEqual(sessionTime)
                    || Long.parseLong(completion.attemptId()) < sinceAttempt) {
                return;
            }
            boolean ofTask = task.equals(completion.task());
            if (ofTask && Task.SUCCESS.equals(completion.state())) {
                offer(fromEvent(completion));
            } else if ((ofTask || !completion.isTask()) && !result.isDone()) {
                // A failure may be the first copy of a retried group's child, whose new copy (same name, higher id)
                // runs on: the task list tells the current one.
                Infrastructure.getDefaultWorkerPool().execute(() -> finalRead(completion.attemptId()));
            }
        }

        private void finalRead(String attemptId) {
            try {
                offer(digdag.taskIn(target, attemptId, task));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }

        private TaskStatus fromEvent(DigdagCompletion c) {
            return new TaskStatus(c.server(), c.project(), c.workflow(), c.sessionTime(), c.task(), c.state(), true,
                    c.attemptId(), null, null, c.startedAt(), c.finishedAt(), c.error(), c.attemptUrl());
        }
    }

    /**
     * Waits until the task of the session's latest attempt reaches {@code wanted}, or ends otherwise; fails with a
     * 408 problem at the timeout. A session that has not started yet is waited for too. Blocks the calling (worker)
     * thread only for the first look; the wait itself holds no thread.
     */
    public Uni<WaitOutcome> await(String server, String project, String workflow, SessionTimeParam time, String task,
                                  String wanted, Duration timeout) {
        DigdagService.WorkflowTarget target = digdag.workflow(server, project, workflow);
        String fullName = target.fullName(task);
        OffsetDateTime sessionTime = target.sessionTime(time);
        interest.register(server, project, workflow, Instant.now().plus(timeout));
        awaitListener();

        Waiter waiter = new Waiter(target, sessionTime, fullName, wanted);
        waiters.computeIfAbsent(waiter.key(), k -> ConcurrentHashMap.newKeySet()).add(waiter);
        try {
            Optional<TaskStatus> current = digdag.currentTask(target, sessionTime, fullName);
            current.ifPresent(status -> {
                waiter.sinceAttempt = Long.parseLong(status.attemptId());
                waiter.offer(status);
            });
        } catch (RuntimeException e) {
            remove(waiter);
            throw e;
        }
        return Uni.createFrom().completionStage(waiter.result)
                .ifNoItem().after(timeout).failWith(() -> new ProblemException("urn:baton:problem:wait-timeout", 408,
                        "Request Timeout", "task " + fullName + " of " + target.describe(sessionTime)
                        + " did not reach '" + wanted + "' within " + timeout, List.of()))
                .onTermination().invoke(() -> remove(waiter));
    }

    /** Number of requests waiting on this replica. */
    public int waiting() {
        return waiters.values().stream().mapToInt(Set::size).sum();
    }

    private void remove(Waiter waiter) {
        waiters.computeIfPresent(waiter.key(), (key, set) -> {
            set.remove(waiter);
            return set.isEmpty() ? null : set;
        });
    }

    private void awaitListener() {
        try {
            listening.get(LISTENER_READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new ProblemException(503, "Service Unavailable", "the events topic cannot be read yet; try again",
                    List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProblemException(503, "Service Unavailable", "interrupted", List.of());
        }
    }

    void start(@Observes StartupEvent event) {
        listener = TopicListener.start("baton-wait-listener", kafkaConfig, List.of(events.topic()), this::onRecord,
                () -> listening.complete(null));
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (listener != null) {
            listener.stop();
        }
    }

    private void onRecord(ConsumerRecord<String, String> record) {
        String type = TopicFollower.header(record, "ce_type");
        Set<Waiter> interested = record.key() == null ? null : waiters.get(record.key());
        if (interested == null || type == null || !type.startsWith(DigdagCompletion.TYPE_PREFIX)) {
            return;
        }
        DigdagCompletion completion;
        try {
            completion = mapper.readValue(record.value(), DigdagCompletion.class);
        } catch (IOException e) {
            LOG.debugf("not a Digdag completion at %s-%d@%d: %s", record.topic(), record.partition(), record.offset(),
                    e.getMessage());
            return;
        }
        interested.forEach(waiter -> waiter.onCompletion(completion));
    }
}
