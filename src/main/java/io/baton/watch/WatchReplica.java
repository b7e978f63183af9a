package io.baton.watch;

import io.baton.digdag.client.DigdagClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One replica's share of the watching. Four times per poll interval it heartbeats: renews its leases and claims or
 * hands back servers ({@link ServerLeases}), so a dead replica's servers are claimed within a quarter interval of its
 * leases running out. Each held server is polled once per interval, the servers at the same time, one worker per
 * server (at most {@code baton.watch.workers} at once), so a slow or dead server never delays another; a server just
 * claimed is polled at once. A server whose cycle is still running is not started again, and is never handed to
 * another replica while it runs.
 */
public final class WatchReplica {

    private static final Logger LOG = Logger.getLogger(WatchReplica.class);

    /** Heartbeats per poll interval: a dead replica's servers are claimed within this fraction of an interval. */
    static final int HEARTBEATS_PER_INTERVAL = 4;

    private final ServerLeases leases;
    private final MeterRegistry registry;
    private final Map<String, Slot> slots = new TreeMap<>();
    private final Map<String, WatchService.ServerStatus> statuses = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService ticker;
    private final Duration heartbeatPeriod;
    /** How long after a server's cycle started the next one is due: an interval less half a heartbeat of jitter. */
    private final long pollEveryNanos;
    private volatile ServerLeases.Held held;
    private volatile boolean leasesFailing;

    /** A server as this replica polls it: one cycle at a time. */
    private final class Slot {
        final ServerWatcher watcher;
        final WatchService.ApiTime apiTime;
        final AtomicBoolean busy = new AtomicBoolean();
        /** Whether the watcher holds memory of the server (dropped once the lease is gone). */
        volatile boolean remembers;
        /** {@link System#nanoTime()} when its last cycle started; meaningful only while it {@link #remembers}. */
        volatile long lastStart;

        Slot(ServerWatcher watcher, WatchService.ApiTime apiTime) {
            this.watcher = watcher;
            this.apiTime = apiTime;
        }

        /** A server just claimed (or whose memory was dropped) is due at once, else one interval after the last. */
        boolean due(long now) {
            return !remembers || now - lastStart >= pollEveryNanos;
        }

        double watched() {
            ServerLeases.Held now = held;
            return now != null && now.mine().contains(watcher.server()) ? 1 : 0;
        }
    }

    WatchReplica(ServerLeases leases, Duration interval, Map<String, DigdagClient> clients,
                 Function<DigdagClient, ServerWatcher> watchers, int maxWorkers, MeterRegistry registry) {
        this.leases = leases;
        this.registry = registry;
        this.heartbeatPeriod = interval.dividedBy(HEARTBEATS_PER_INTERVAL);
        this.pollEveryNanos = interval.minus(heartbeatPeriod.dividedBy(2)).toNanos();
        this.ticker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "baton-watch-heartbeat-" + leases.replica());
            thread.setDaemon(true);
            return thread;
        });
        AtomicInteger threads = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(maxWorkers, maxWorkers, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(),
                task -> {
                    Thread thread = new Thread(task, "baton-watch-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        workers.allowCoreThreadTimeOut(true);
        Tags replica = Tags.of("replica", leases.replica());
        clients.forEach((name, client) -> {
            Slot slot = new Slot(watchers.apply(client), new WatchService.ApiTime(registry, name));
            slots.put(name, slot);
            Gauge.builder("baton.watch.server.watched", slot, Slot::watched).tags(replica.and("server", name))
                    .description("1 while this replica holds the server's lease and polls it").register(registry);
        });
        Gauge.builder("baton.watch.replicas.live", this, r -> r.held == null ? 0 : r.held.liveReplicas())
                .tags(replica).description("replicas whose heartbeat this replica saw alive at its last heartbeat")
                .register(registry);
    }

    public String id() {
        return leases.replica();
    }

    /** How often {@link #heartbeat()} runs: a quarter of the poll interval. */
    public Duration heartbeatPeriod() {
        return heartbeatPeriod;
    }

    /**
     * Runs {@link #heartbeat()} every {@link #heartbeatPeriod()} on a thread of its own until {@link #close()}.
     * Quarkus's scheduler checks its triggers once a second, too coarse for a heartbeat of a quarter interval.
     */
    void start() {
        ticker.scheduleAtFixedRate(() -> {
            try {
                heartbeat();
            } catch (RuntimeException e) {
                // A failed heartbeat must not end the schedule: the next one tries again.
                LOG.warnf("replica %s: watch heartbeat failed: %s", id(), e.getMessage());
            }
        }, 0, heartbeatPeriod.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * One heartbeat: renews the leases, then starts a cycle on each held server that is due (one interval after its
     * last cycle started, at once when just claimed) and whose last cycle has ended; drops the memory of servers no
     * longer held. Returns at once: the cycles run on the workers.
     */
    public void heartbeat() {
        if (workers.isShutdown()) {
            return;
        }
        Set<String> busy = slots.entrySet().stream().filter(e -> e.getValue().busy.get()).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
        try {
            held = leases.cycle(busy);
            if (leasesFailing) {
                LOG.infof("replica %s renews its leases on Digdag servers again", id());
            }
            leasesFailing = false;
        } catch (RuntimeException e) {
            if (!leasesFailing) {
                LOG.warnf("replica %s cannot renew its leases on Digdag servers, stops polling until it can: %s",
                        id(), e.getMessage());
            }
            leasesFailing = true;
            held = null;
        }
        ServerLeases.Held now = held;
        long nanos = System.nanoTime();
        slots.forEach((server, slot) -> {
            boolean mine = now != null && now.mine().contains(server);
            if (!mine) {
                statuses.put(server, new WatchService.ServerStatus(false, true, null, Instant.now(),
                        slot.watcher.restartedAt(), now == null ? null : now.owners().get(server)));
            }
            if ((mine ? slot.due(nanos) : slot.remembers) && slot.busy.compareAndSet(false, true)) {
                slot.lastStart = nanos;
                workers.execute(() -> run(server, slot, mine));
            }
        });
    }

    private void run(String server, Slot slot, boolean mine) {
        try {
            if (!mine) {
                slot.watcher.forget();
                slot.remembers = false;
                return;
            }
            slot.remembers = true;
            Timer.Sample sample = Timer.start(registry);
            try {
                slot.watcher.cycle();
                statuses.put(server, new WatchService.ServerStatus(true, true, null, Instant.now(),
                        slot.watcher.restartedAt(), id()));
            } catch (RuntimeException e) {
                WatchService.ServerStatus previous = statuses.get(server);
                if (previous == null || previous.reachable()) {
                    LOG.warnf("watching Digdag server %s failed, retrying every cycle: %s", server, e.getMessage());
                }
                statuses.put(server, new WatchService.ServerStatus(true, false, e.getMessage(), Instant.now(),
                        slot.watcher.restartedAt(), id()));
            } finally {
                sample.stop(registry.timer("baton.watch.poll", "server", server));
                slot.apiTime.update();
            }
        } finally {
            slot.busy.set(false);
        }
    }

    /** The servers this replica held at its last heartbeat. */
    public Set<String> held() {
        ServerLeases.Held now = held;
        return now == null ? Set.of() : now.mine();
    }

    ServerWatcher watcher(String server) {
        Slot slot = slots.get(server);
        return slot == null ? null : slot.watcher;
    }

    /** Drops this replica's memory of every server, as a restart would; the next cycle reloads it from PostgreSQL. */
    void forgetAll() {
        slots.values().forEach(slot -> slot.watcher.forget());
    }

    Map<String, WatchService.ServerStatus> statuses() {
        return Map.copyOf(statuses);
    }

    /**
     * Stops polling and hands back every lease, so the other replicas take over at their next cycle. Cycles still
     * running are interrupted; what they had not committed is read again by the next holder.
     */
    public void close() {
        held = null;
        // A heartbeat still running ends first: its transaction and the release below would lock each other's rows.
        ticker.shutdown();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
            workers.shutdownNow();
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        leases.release();
    }
}
