package io.baton.notify;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.OffsetDateTime;

@Entity
@Table(name = "expectation")
public class ExpectationEntity extends PanacheEntityBase implements Owned {

    @Id
    public String name;

    public String team;
    public String server;
    public String project;
    public String workflow;

    @Column(name = "by_time")
    public String by;

    public String zone;
    public boolean enabled;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;

    @Override
    public String team() {
        return team;
    }

    Expectation toExpectation() {
        return new Expectation(name, team, enabled, server, project, workflow, by, zone, createdAt, updatedAt);
    }
}
