package io.baton.watch;

import io.baton.digdag.client.DigdagClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One replica's share of the watching: it keeps its leases ({@link ServerLeases}) at every cycle and polls the
 * servers it holds at the same time, one worker per server (at most {@code baton.watch.workers} at once), so a slow
 * or dead server never delays another. A server whose cycle is still running is not started again, and is never
 * handed to another replica while it runs.
 */
public final class WatchReplica {

    private static final Logger LOG = Logger.getLogger(WatchReplica.class);

    private final ServerLeases leases;
    private final MeterRegistry registry;
    private final Map<String, Slot> slots = new TreeMap<>();
    private final Map<String, WatchService.ServerStatus> statuses = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor workers;
    private volatile ServerLeases.Held held;
    private volatile boolean leasesFailing;

    /** A server as this replica polls it: one cycle at a time. */
    private final class Slot {
        final ServerWatcher watcher;
        final WatchService.ApiTime apiTime;
        final AtomicBoolean busy = new AtomicBoolean();
        /** Whether the watcher holds memory of the server (dropped once the lease is gone). */
        volatile boolean remembers;

        Slot(ServerWatcher watcher, WatchService.ApiTime apiTime) {
            this.watcher = watcher;
            this.apiTime = apiTime;
        }

        double watched() {
            ServerLeases.Held now = held;
            return now != null && now.mine().contains(watcher.server()) ? 1 : 0;
        }
    }

    WatchReplica(ServerLeases leases, Map<String, DigdagClient> clients, Function<DigdagClient, ServerWatcher> watchers,
                 int maxWorkers, MeterRegistry registry) {
        this.leases = leases;
        this.registry = registry;
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
        Gauge.builder("baton.watch.replicas.live", this, r -> r.held == null ? 0 : r.held.liveReplicas()).tags(replica)
                .description("replicas whose heartbeat this replica saw alive at its last cycle").register(registry);
    }

    public String id() {
        return leases.replica();
    }

    /**
     * Renews the leases and starts a cycle on each held server whose last cycle has ended; drops the memory of servers
     * no longer held. Returns at once: the cycles run on the workers.
     */
    public void cycle() {
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
        slots.forEach((server, slot) -> {
            boolean mine = now != null && now.mine().contains(server);
            if (!mine) {
                statuses.put(server, new WatchService.ServerStatus(false, true, null, Instant.now(),
                        slot.watcher.restartedAt(), now == null ? null : now.owners().get(server)));
            }
            if ((mine || slot.remembers) && slot.busy.compareAndSet(false, true)) {
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

    /** The servers this replica held at its last cycle. */
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
        workers.shutdownNow();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        leases.release();
    }
}
