package io.baton.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.digdag.client.DigdagClients;
import io.baton.events.DigdagCompletion;
import io.baton.persistence.TransientFailures;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.ce.IncomingCloudEventMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Reads Digdag completions from the events topic in its own consumer group ({@code baton-notify}), so neither a slow
 * Slack nor this consumer delays the trigger engine, and queues a message for every enabled subscription that
 * matches (server, project, workflow, task, state). An event is acknowledged once its messages are committed.
 */
@ApplicationScoped
public class NotificationConsumer {

    private static final Logger LOG = Logger.getLogger(NotificationConsumer.class);

    @Inject
    ObjectMapper mapper;

    @Inject
    NotifyService notify;

    @Inject
    Deliveries deliveries;

    @Inject
    DigdagClients clients;

    @Inject
    NotifyConfig config;

    @Incoming("notify-events")
    @Blocking
    public CompletionStage<Void> consume(Message<String> message) {
        try {
            String type = message.getMetadata(IncomingCloudEventMetadata.class)
                    .map(IncomingCloudEventMetadata::getType).orElse("");
            if (type.startsWith(DigdagCompletion.TYPE_PREFIX) && message.getPayload() != null) {
                DigdagCompletion completion = mapper.readValue(message.getPayload(), DigdagCompletion.class);
                TransientFailures.retryUntilDone("notifications of " + completion.eventId(), () -> onCompletion(completion));
            }
        } catch (Exception e) {
            // Nothing a retry changes: the event stays for the trigger engine, only its messages are lost.
            LOG.errorf(e, "no notifications for an event that cannot be processed");
        }
        return message.ack();
    }

    void onCompletion(DigdagCompletion completion) {
        // A task copied by a resumed attempt did not run again; an old event comes from a replay.
        if (completion.isCopy() || (completion.finishedAt() != null
                && completion.finishedAt().plus(config.maxEventAge()).isBefore(Instant.now()))) {
            return;
        }
        String state = "group_error".equals(completion.state()) ? "error" : completion.state();
        List<Subscription> matching = notify.matching(completion.server(), completion.project(),
                completion.workflow(), completion.task(), state);
        if (matching.isEmpty()) {
            return;
        }
        Map<String, String> variables = variables(completion, state);
        String key = completion.workflowKey() + (completion.isTask() ? "/" + completion.task() : "") + "|"
                + completion.sessionTime() + "|" + state;
        QuarkusTransaction.requiringNew().run(() -> {
            for (Subscription subscription : matching) {
                deliveries.enqueue(subscription, key, state, variables);
            }
        });
    }

    private Map<String, String> variables(DigdagCompletion c, String state) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("server", c.server());
        v.put("project", c.project());
        v.put("workflow", c.workflow());
        v.put("subject", c.project() + "/" + c.workflow() + (c.isTask() ? " " + c.task() : ""));
        v.put("state", state);
        v.put("session_time", c.sessionTime());
        v.put("session_date", String.valueOf(c.sessionDate()));
        v.put("attempt_id", c.attemptId());
        v.put("attempt_url", c.attemptUrl() == null ? "" : c.attemptUrl());
        v.put("task", c.isTask() ? c.task() : "");
        v.put("error", c.error() == null ? "" : c.error());
        if (!c.isTask() && "error".equals(state)) {
            failedTask(c, v);
        }
        return v;
    }

    /** An attempt's event names no task: Digdag's task list tells which one failed, and its error message. */
    private void failedTask(DigdagCompletion c, Map<String, String> v) {
        try {
            clients.client(c.server()).tasks(c.attemptId()).stream()
                    .filter(task -> "error".equals(task.state()))
                    .reduce((first, later) -> later)
                    .ifPresent(task -> {
                        v.put("task", task.fullName());
                        v.put("error", task.errorMessage() == null ? "" : task.errorMessage());
                    });
        } catch (RuntimeException e) {
            v.put("error", "(Digdag could not be asked which task failed: " + e.getMessage() + ")");
        }
    }
}
