package io.baton.notify;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;

import java.time.OffsetDateTime;

/** What a subscription and an expectation share: a name, the owning team, the Digdag workflow it is about. */
@MappedSuperclass
public abstract class OwnedEntity extends PanacheEntityBase {

    @Id
    public String name;

    public String team;
    public String server;
    public String project;
    public String workflow;
    public boolean enabled;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;
}
