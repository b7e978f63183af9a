package io.baton.watch;

import io.baton.BatonTestServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fair-share leases of replicas on 20 servers, against PostgreSQL: several {@link ServerLeases} with distinct replica
 * ids in one JVM, each cycled on its own schedule as its replica's scheduler would. This application's own replica
 * does not watch (the profile turns it off), so only these replicas heartbeat.
 */
@QuarkusTest
@TestProfile(WatchOffProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class ServerLeasesTest {

    private static final Duration LEASE = Duration.ofSeconds(1);
    private static final Duration INTERVAL = Duration.ofMillis(300);

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(3);
    private final Map<String, ServerLeases> replicas = new ConcurrentHashMap<>();
    private final Map<String, ScheduledFuture<?>> schedules = new ConcurrentHashMap<>();
    private final Map<String, ServerLeases.Held> last = new ConcurrentHashMap<>();

    private static List<String> servers(String prefix) {
        return IntStream.range(0, 20).mapToObj(i -> String.format("%s-%02d", prefix, i)).toList();
    }

    private void start(String replica, List<String> servers) {
        ServerLeases leases = new ServerLeases(replica, LEASE, servers);
        replicas.put(replica, leases);
        schedules.put(replica, scheduler.scheduleWithFixedDelay(() -> last.put(replica, leases.cycle(Set.of())), 0,
                INTERVAL.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** Stops a replica's cycles without handing anything back, as a crash or a kill would. */
    private void kill(String replica) {
        schedules.remove(replica).cancel(false);
        replicas.remove(replica);
        last.remove(replica);
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        scheduler.shutdown();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
        replicas.values().forEach(ServerLeases::release);
    }

    /**
     * Each running replica's servers as of its last cycle, once all of them have seen the same number of live
     * replicas. A killed replica's cycle still running at the kill may record its result after it: it is left out.
     */
    private Map<String, Set<String>> settled(int replicaCount) {
        Map<String, ServerLeases.Held> running = new java.util.TreeMap<>(last);
        running.keySet().retainAll(replicas.keySet());
        Map<String, Set<String>> held = new java.util.TreeMap<>();
        running.forEach((replica, h) -> held.put(replica, h.mine()));
        boolean agreed = running.size() == replicaCount
                && running.values().stream().allMatch(h -> h.liveReplicas() == replicaCount);
        return agreed ? held : Map.of();
    }

    private static void assertFairAndDisjoint(Map<String, Set<String>> held, List<String> servers, int min, int max) {
        Set<String> union = new HashSet<>();
        held.values().forEach(mine -> {
            assertThat(mine.size()).isBetween(min, max);
            union.addAll(mine);
        });
        assertThat(union).containsExactlyInAnyOrderElementsOf(servers);
        assertThat(held.values().stream().mapToInt(Set::size).sum()).as("no server held twice").isEqualTo(20);
    }

    /** Waits until every running replica agrees on their number and their shares are fair and cover all servers. */
    private void awaitFairShares(int replicaCount, List<String> servers, int min, int max) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Map<String, Set<String>> held = settled(replicaCount);
            assertThat(held).hasSize(replicaCount);
            assertFairAndDisjoint(held, servers, min, max);
        });
    }

    @Test
    void threeReplicasEachClaimTheirFairShareOfTwentyServers() {
        List<String> servers = servers("fair");
        List.of("r1", "r2", "r3").forEach(r -> start(r, servers));
        awaitFairShares(3, servers, 6, 7);
        assertThat(last.values()).allMatch(h -> h.fairShare() == 7);
    }

    @Test
    void aJoiningReplicaIsHandedServersUntilTheSharesAreEven() {
        List<String> servers = servers("join");
        start("j1", servers);
        start("j2", servers);
        awaitFairShares(2, servers, 10, 10);

        start("j3", servers);
        awaitFairShares(3, servers, 6, 7);
    }

    @Test
    void theServersOfADeadReplicaAreTakenOverByTheOthers() {
        List<String> servers = servers("dead");
        List.of("d1", "d2", "d3").forEach(r -> start(r, servers));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(settled(3)).hasSize(3));
        Set<String> orphaned = last.get("d3").mine();
        assertThat(orphaned).isNotEmpty();

        kill("d3");
        awaitFairShares(2, servers, 10, 10);
    }

    @Test
    void aServerWhoseCycleStillRunsIsNotHandedBack() {
        List<String> servers = servers("busy");
        ServerLeases first = new ServerLeases("b1", LEASE, servers);
        ServerLeases second = new ServerLeases("b2", LEASE, servers);
        replicas.put("b1", first);
        replicas.put("b2", second);
        await().atMost(Duration.ofSeconds(10)).until(() -> first.cycle(Set.of()).mine().size() == 20);
        assertThat(second.cycle(Set.of()).liveReplicas()).isEqualTo(2);

        Set<String> busy = Set.copyOf(servers.subList(5, 20));
        ServerLeases.Held kept = first.cycle(busy);
        assertThat(kept.fairShare()).isEqualTo(10);
        assertThat(kept.mine()).as("only idle servers are handed back").hasSize(15).containsAll(busy);
        assertThat(second.cycle(Set.of()).mine()).hasSize(5).doesNotContainAnyElementsOf(busy);
    }
}
