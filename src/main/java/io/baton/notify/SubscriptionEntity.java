package io.baton.notify;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.OffsetDateTime;
import java.util.List;

@Entity
@Table(name = "subscription")
public class SubscriptionEntity extends PanacheEntityBase implements Owned {

    @Id
    public String name;

    public String team;
    public String server;
    public String project;
    public String workflow;
    public boolean enabled;

    /** The subscription's JSON without its timestamps. */
    @JdbcTypeCode(SqlTypes.JSON)
    public String definition;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;

    @Override
    public String team() {
        return team;
    }

    /** Enabled subscriptions of the project, for this workflow or all of its workflows. */
    static List<SubscriptionEntity> matching(String server, String project, String workflow) {
        return list("enabled = true and server = ?1 and project = ?2 and (workflow is null or workflow = ?3)",
                server, project, workflow);
    }
}
