package io.baton.watch;

import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.persistence.EntityManager;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One replica's leases on Digdag servers, kept in PostgreSQL. Every cycle the replica heartbeats, renews what it holds,
 * and claims or hands back servers so that it holds its fair share: ceil(servers / live replicas), the live replicas
 * being those whose heartbeat has not run out. A dead replica's leases run out with its heartbeat, and the others
 * claim its servers at their next cycle.
 */
public final class ServerLeases {

    /** Rows of replicas dead for this long are removed. */
    private static final String FORGET_DEAD_AFTER = "1 day";

    private final String replica;
    private final Duration lease;
    private final List<String> servers;
    private boolean rowsMade;

    /**
     * What a cycle left: the servers this replica holds now, who holds each server (no entry: nobody), and the share.
     */
    public record Held(Set<String> mine, Map<String, String> owners, int liveReplicas, int fairShare) {
    }

    public ServerLeases(String replica, Duration lease, Collection<String> servers) {
        this.replica = replica;
        this.lease = lease;
        this.servers = List.copyOf(new TreeSet<>(servers));
    }

    public String replica() {
        return replica;
    }

    /**
     * Heartbeats, renews this replica's leases, then claims unheld servers up to its fair share or hands back what it
     * holds beyond it (never a server in {@code busy}: its cycle is still running here), in one transaction.
     */
    public Held cycle(Set<String> busy) {
        Held held = QuarkusTransaction.requiringNew().call(() -> {
            EntityManager em = Panache.getEntityManager();
            if (!rowsMade) {
                for (String server : servers) {
                    em.createNativeQuery("INSERT INTO watch_server (server, high_water) VALUES (:server, "
                            + WatchedServer.NEVER_READ + ") ON CONFLICT (server) DO NOTHING")
                            .setParameter("server", server).executeUpdate();
                }
            }
            em.createNativeQuery("INSERT INTO watch_replica (replica, heartbeat_until) VALUES (:replica, " + until()
                            + ") ON CONFLICT (replica) DO UPDATE SET heartbeat_until = excluded.heartbeat_until")
                    .setParameter("replica", replica).setParameter("secs", seconds()).executeUpdate();
            em.createNativeQuery("DELETE FROM watch_replica WHERE heartbeat_until < now() - interval '"
                    + FORGET_DEAD_AFTER + "'").executeUpdate();
            int live = ((Number) em.createNativeQuery(
                    "SELECT count(*) FROM watch_replica WHERE heartbeat_until >= now()").getSingleResult()).intValue();
            em.createNativeQuery("UPDATE watch_server SET lease_until = " + until() + " WHERE owner = :replica "
                            + "AND lease_until >= now() AND server IN (:servers)")
                    .setParameter("replica", replica).setParameter("secs", seconds())
                    .setParameter("servers", servers).executeUpdate();
            int share = (servers.size() + live - 1) / Math.max(1, live);
            List<String> mine = new ArrayList<>(owners(em).entrySet().stream()
                    .filter(e -> e.getValue().equals(replica)).map(Map.Entry::getKey).toList());
            if (mine.size() > share) {
                // Hands back the last servers by name that are idle here; a joining replica claims them next cycle.
                List<String> spare = mine.stream().filter(s -> !busy.contains(s)).sorted().toList();
                List<String> handBack = spare.subList(Math.max(0, spare.size() - (mine.size() - share)), spare.size());
                if (!handBack.isEmpty()) {
                    em.createNativeQuery("UPDATE watch_server SET owner = NULL, lease_until = NULL "
                                    + "WHERE owner = :replica AND server IN (:servers)")
                            .setParameter("replica", replica).setParameter("servers", handBack).executeUpdate();
                }
            } else if (mine.size() < share) {
                // SKIP LOCKED: replicas claiming at the same moment take different servers instead of waiting.
                em.createNativeQuery("UPDATE watch_server SET owner = :replica, lease_until = " + until()
                                + " WHERE server IN (SELECT server FROM watch_server WHERE server IN (:servers) "
                                + "AND (owner IS NULL OR lease_until IS NULL OR lease_until < now()) ORDER BY server "
                                + "LIMIT :wanted FOR UPDATE SKIP LOCKED)")
                        .setParameter("replica", replica).setParameter("secs", seconds())
                        .setParameter("servers", servers).setParameter("wanted", share - mine.size())
                        .executeUpdate();
            }
            Map<String, String> owners = owners(em);
            Set<String> ours = new TreeSet<>();
            owners.forEach((server, owner) -> {
                if (owner.equals(replica)) {
                    ours.add(server);
                }
            });
            return new Held(ours, owners, live, share);
        });
        rowsMade = true;
        return held;
    }

    /** Hands back every lease and stops heartbeating, so other replicas take over at their next cycle. */
    public void release() {
        QuarkusTransaction.requiringNew().run(() -> {
            EntityManager em = Panache.getEntityManager();
            em.createNativeQuery("UPDATE watch_server SET owner = NULL, lease_until = NULL WHERE owner = :replica")
                    .setParameter("replica", replica).executeUpdate();
            em.createNativeQuery("DELETE FROM watch_replica WHERE replica = :replica")
                    .setParameter("replica", replica).executeUpdate();
        });
    }

    /** Server → the replica whose lease on it has not run out. */
    @SuppressWarnings("unchecked")
    private Map<String, String> owners(EntityManager em) {
        Map<String, String> owners = new TreeMap<>();
        List<Object[]> rows = em.createNativeQuery("SELECT server, owner FROM watch_server WHERE owner IS NOT NULL "
                        + "AND lease_until >= now() AND server IN (:servers)")
                .setParameter("servers", servers).getResultList();
        rows.forEach(row -> owners.put((String) row[0], (String) row[1]));
        return owners;
    }

    private String until() {
        return "now() + make_interval(secs => :secs)";
    }

    private double seconds() {
        return lease.toMillis() / 1000.0;
    }
}
