package io.baton.notify;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Optional;

/**
 * Sends the queued messages: runs on every replica, each claiming its own share. Slack being down costs this loop
 * retries, never the trigger engine or the consumer of completions, which only write to the queue.
 */
@ApplicationScoped
public class DeliverySender {

    private static final Logger LOG = Logger.getLogger(DeliverySender.class);

    @Inject
    Deliveries deliveries;

    @Inject
    Messages messages;

    @Inject
    WebhookPoster poster;

    @Inject
    NotifyConfig config;

    @Inject
    MeterRegistry registry;

    @Scheduled(every = "${baton.notify.send-interval:1s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void round() {
        for (String subscription : deliveries.dueSubscriptions()) {
            deliveries.claim(subscription).ifPresent(this::send);
        }
    }

    @Scheduled(every = "10m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void cleanUp() {
        deliveries.cleanUp();
    }

    private void send(Deliveries.Batch batch) {
        Optional<Messages.Target> target = messages.target(batch.subscription());
        if (target.isEmpty()) {
            deliveries.failed(batch.ids(), "the subscription's webhook is not configured");
            return;
        }
        if (batch.summary()) {
            post(target.get(), messages.summary(batch.subscription(), target.get(), batch.matches()), batch.ids())
                    .ifPresentOrElse(error -> deliveries.failed(batch.ids(), error), () -> {
                        deliveries.sent(batch);
                        registry.counter("baton.notify.sent", "kind", "summary").increment();
                    });
            return;
        }
        List<Messages.Match> matches = batch.matches();
        for (int i = 0; i < matches.size(); i++) {
            Messages.Match match = matches.get(i);
            Optional<String> error = post(target.get(), messages.single(batch.subscription(), target.get(), match),
                    List.of(match.id()));
            if (error.isPresent()) {
                // The webhook is failing: the rest wait for the backoff too instead of hammering it.
                deliveries.failed(matches.subList(i, matches.size()).stream().map(Messages.Match::id).toList(),
                        error.get());
                return;
            }
            deliveries.sent(new Deliveries.Batch(batch.subscription(), List.of(match), false));
            registry.counter("baton.notify.sent", "kind", "single").increment();
        }
    }

    /** @return the error, empty when the webhook took the message */
    private Optional<String> post(Messages.Target target, Object payload, List<Long> ids) {
        try {
            int status = poster.post(target.url(), payload, config.timeout());
            if (status < 300) {
                return Optional.empty();
            }
            return failure(target, ids, "HTTP " + status);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failure(target, ids, "interrupted");
        } catch (Exception e) {
            return failure(target, ids, e.getClass().getSimpleName());
        }
    }

    private Optional<String> failure(Messages.Target target, List<Long> ids, String error) {
        registry.counter("baton.notify.send.failures").increment();
        // The URL is a secret: the webhook's name only.
        LOG.warnf("webhook '%s' did not take %d message(s): %s; they are tried again", target.name(), ids.size(),
                error);
        return Optional.of(error);
    }
}
