package io.baton.watch;

import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Duration;
import java.time.OffsetDateTime;

/** Who polls a Digdag server and how far it has read. */
@Entity
@Table(name = "watch_server")
public class WatchedServer extends PanacheEntityBase {

    @Id
    public String server;

    public String owner;

    @Column(name = "lease_until")
    public OffsetDateTime leaseUntil;

    /** Highest attempt id already seen: attempts above it are new. */
    @Column(name = "high_water")
    public long highWater;

    /** When the attempt at {@link #highWater} was created (Digdag's time); null before the first attempt. */
    @Column(name = "high_water_at")
    public OffsetDateTime highWaterAt;

    /** {@link #highWater} of a server that was never read: the first cycle decides where to start. */
    static final long NEVER_READ = -1;

    /** Takes or renews this replica's lease on a server; it succeeds when the lease is ours, unclaimed or run out. */
    static boolean claim(String server, String owner, Duration lease) {
        return Panache.getEntityManager().createNativeQuery(
                        "INSERT INTO watch_server AS w (server, owner, lease_until, high_water) "
                                + "VALUES (:server, :owner, now() + make_interval(secs => :secs), " + NEVER_READ + ") "
                                + "ON CONFLICT (server) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until "
                                + "WHERE w.owner = excluded.owner OR w.owner IS NULL OR w.lease_until < now()")
                .setParameter("owner", owner)
                .setParameter("secs", lease.toMillis() / 1000.0)
                .setParameter("server", server)
                .executeUpdate() == 1;
    }

    static void release(String server, String owner) {
        update("owner = null, leaseUntil = null where server = ?1 and owner = ?2", server, owner);
    }
}
