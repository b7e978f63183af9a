package io.baton.notify;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.util.List;

@Entity
@Table(name = "subscription")
public class SubscriptionEntity extends OwnedEntity {

    /** The subscription's JSON without its timestamps. */
    @JdbcTypeCode(SqlTypes.JSON)
    public String definition;

    /** Enabled subscriptions of the project, for this workflow or all of its workflows. */
    static List<SubscriptionEntity> matching(String server, String project, String workflow) {
        return list("enabled = true and server = ?1 and project = ?2 and (workflow is null or workflow = ?3)",
                server, project, workflow);
    }
}
