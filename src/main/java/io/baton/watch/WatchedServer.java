package io.baton.watch;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

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
}
