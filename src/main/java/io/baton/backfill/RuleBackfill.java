package io.baton.backfill;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.LocalDate;
import java.time.OffsetDateTime;

/** One backfill of a rule: its range, its state and its plan (JSON, one decision per downstream session). */
@Entity
@Table(name = "rule_backfill")
public class RuleBackfill extends PanacheEntityBase {

    public static final String PLANNING = "planning";
    public static final String PLANNED = "planned";
    public static final String FAILED = "failed";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "rule_name")
    public String ruleName;

    @Column(name = "from_date")
    public LocalDate fromDate;

    @Column(name = "to_date")
    public LocalDate toDate;

    @Column(name = "dry_run")
    public boolean dryRun;

    public String state;

    @Column(name = "requested_by")
    public String requestedBy;

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "planned_at")
    public OffsetDateTime plannedAt;

    /** Calls sent to Digdag to read its history. */
    public Integer requests;

    public String plan;

    /** The planning replica's hold while {@code planning}: a token of its claim, and when it runs out unless renewed. */
    public String planner;

    @Column(name = "lease_until")
    public OffsetDateTime leaseUntil;

    public String error;
}
