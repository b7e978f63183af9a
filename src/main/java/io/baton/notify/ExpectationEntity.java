package io.baton.notify;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

@Entity
@Table(name = "expectation")
public class ExpectationEntity extends OwnedEntity {

    @Column(name = "by_time")
    public String by;

    public String zone;

    Expectation toExpectation() {
        return new Expectation(name, team, enabled, server, project, workflow, by, zone, createdAt, updatedAt);
    }
}
