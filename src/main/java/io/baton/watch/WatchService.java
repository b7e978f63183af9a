package io.baton.watch;

import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.DigdagClients;
import io.baton.digdag.client.DigdagNotFoundException;
import io.baton.digdag.client.DigdagUnavailableException;
import io.baton.events.BatonEvent;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventOutbox;
import io.baton.events.EventsConfig;
import io.baton.problem.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Polls the Digdag servers whose lease this replica holds (its fair share; one replica per server at a time, see
 * {@link WatchReplica}) and turns terminal transitions into completion events in the outbox.
 */
@ApplicationScoped
public class WatchService {

    private static final Logger LOG = Logger.getLogger(WatchService.class);

    @Inject
    DigdagClients clients;

    @Inject
    WatchConfig config;

    /** The rules' and the subscriptions' interest (the default bean, no interest, when neither exists). */
    @Inject
    @Any
    Instance<TaskInterest> interests;

    @Inject
    WaitInterest waitInterest;

    @Inject
    EventOutbox outbox;

    @Inject
    EventsConfig eventsConfig;

    @Inject
    MeterRegistry registry;

    @Inject
    Event<DigdagCompletion> completions;

    private WatchReplica replica;

    /**
     * Digdag API time (sum of the client's response times) per second of wall time, between the last two cycles: the
     * load Baton puts on a Digdag server, in the unit its operators think in.
     */
    static final class ApiTime {
        private final MeterRegistry registry;
        private final String server;
        private double lastTotalSeconds;
        private long lastNanos = System.nanoTime();
        private volatile double perSecond;

        ApiTime(MeterRegistry registry, String server) {
            this.registry = registry;
            this.server = server;
            registry.gauge("baton.digdag.api.time.per.second", Tags.of("server", server), this, t -> t.perSecond);
        }

        void update() {
            double total = registry.find("baton.digdag.requests").tag("server", server).timers().stream()
                    .mapToDouble(t -> t.totalTime(TimeUnit.SECONDS)).sum();
            long now = System.nanoTime();
            double elapsed = (now - lastNanos) / 1e9;
            if (elapsed > 0) {
                perSecond = (total - lastTotalSeconds) / elapsed;
            }
            lastTotalSeconds = total;
            lastNanos = now;
        }
    }

    /**
     * What the last cycle of a server found, for readiness and metrics.
     *
     * @param leader      whether this replica holds the server's lease
     * @param restartedAt when this replica last found the server's attempt ids started again, or null
     * @param owner       the replica that holds the server's lease, or null when none does
     */
    public record ServerStatus(boolean leader, boolean reachable, String error, Instant at, Instant restartedAt,
                               String owner) {
    }

    @PostConstruct
    void init() {
        if (lease().compareTo(config.interval().dividedBy(2)) <= 0) {
            // At a heartbeat every quarter interval, a shorter lease runs out at the first late heartbeat.
            throw new IllegalStateException("baton.watch.lease (" + lease() + ") must be longer than half of "
                    + "baton.watch.interval (" + config.interval() + ")");
        }
        replica = replica(config.replicaId().orElseGet(() ->
                Optional.ofNullable(System.getenv("HOSTNAME")).orElse("baton") + "-" + UUID.randomUUID()));
    }

    /**
     * A replica of the watching with its own id, leases and memory. This process runs one; tests and the benchmark
     * start more in one JVM to play several replicas, and drive them with {@link WatchReplica#heartbeat()} every
     * {@link WatchReplica#heartbeatPeriod()}.
     */
    public WatchReplica replica(String id) {
        TaskInterest rulesOrWaits = (server, project, workflow) -> waitInterest.wantsTasks(server, project, workflow)
                || interests.stream().anyMatch(interest -> interest.wantsTasks(server, project, workflow));
        Map<String, DigdagClient> byName = new TreeMap<>();
        clients.serverNames().forEach(name -> byName.put(name, clients.client(name)));
        return new WatchReplica(new ServerLeases(id, lease(), byName.keySet()), config.interval(), byName, client -> {
            String name = client.serverName();
            Counter restarts = registry.counter("baton.watch.server.restarts", "server", name);
            ServerWatcher watcher = new ServerWatcher(client, config, rulesOrWaits, completion -> publish(client, completion),
                    reason -> {
                        LOG.warnf("the attempt ids of Digdag server %s started again (restarted on an empty database, "
                                + "rebuilt, restored, or its URL points at another server): %s", name, reason);
                        restarts.increment();
                    });
            registry.gauge("baton.watch.followed.attempts", Tags.of("server", name), watcher,
                    ServerWatcher::followedCount);
            return watcher;
        }, config.workers(), registry);
    }

    /** How long a lease and a heartbeat last: {@code baton.watch.lease}, by default one and a half intervals. */
    private Duration lease() {
        return config.lease().orElse(config.interval().multipliedBy(3).dividedBy(2));
    }

    /** Starts this replica's heartbeats and polls once the application runs, unless watching is off here. */
    void start(@Observes StartupEvent event) {
        if (config.enabled()) {
            replica.start();
        }
    }

    private void publish(DigdagClient client, DigdagCompletion completion) {
        // Observers act in the transaction that commits the completion (admission gives back an ended attempt's slot).
        completions.fire(completion);
        Instant time = completion.finishedAt() != null ? completion.finishedAt() : Instant.now();
        outbox.append(new BatonEvent(completion.eventId(), completion.type(), client.baseUrl(), completion.subject(),
                OffsetDateTime.ofInstant(time, ZoneOffset.UTC), eventsConfig.topic(), completion.workflowKey(), completion));
        Counter.builder("baton.watch.transitions")
                .tag("server", completion.server())
                .tag("kind", completion.isTask() ? "task" : "attempt")
                .tag("outcome", completion.outcome())
                .register(registry)
                .increment();
    }

    /**
     * Reads an attempt a Digdag server notified about and commits the completions found in the outbox.
     *
     * @return the completions found (the outbox drops those it already holds)
     * @throws ProblemException 404 for an unknown server or attempt, 503 when the server cannot be reached
     */
    public int notified(String server, String attemptId) {
        ServerWatcher watcher = replica.watcher(server);
        if (watcher == null) {
            throw ProblemException.notFound("no Digdag server named '" + server + "' is configured");
        }
        try {
            return watcher.notified(attemptId);
        } catch (DigdagNotFoundException e) {
            throw ProblemException.notFound("Digdag server '" + server + "' has no attempt " + attemptId);
        } catch (DigdagUnavailableException e) {
            // The watcher reads the attempt later; Digdag's http> task may fail or be retried, nothing is lost.
            throw new ProblemException("urn:baton:problem:digdag-unavailable", 503, "Service Unavailable",
                    "Digdag server '" + server + "' cannot be reached now; its attempts are polled as usual",
                    List.of());
        }
    }

    /** Drops this replica's memory of every server, as a restart would; the next cycle reloads it from PostgreSQL. */
    public void forgetAll() {
        replica.forgetAll();
    }

    public Map<String, ServerStatus> statuses() {
        return replica.statuses();
    }

    /** This process's replica id, as in the lease rows and the {@code replica} tag of the metrics. */
    public String replicaId() {
        return replica.id();
    }

    void releaseLeases(@Observes ShutdownEvent event) {
        try {
            replica.close();
        } catch (RuntimeException e) {
            LOG.debugf("leases not released at shutdown: %s", e.getMessage());
        }
    }
}
