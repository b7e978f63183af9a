package io.baton.audit;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.OffsetDateTime;

/** One recorded action of a caller on a team's work; see {@link AuditLog}. */
@Entity
@Table(name = "caller_audit")
public class CallerAudit extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String action;

    public String actor;

    public String team;

    public String target;

    public String session;

    public String reference;

    @Column(insertable = false, updatable = false)
    public OffsetDateTime at;
}
