package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.OffsetDateTime;

/** One change of a rule: who, when, and the rule's JSON before and after. */
@Entity
@Table(name = "rule_audit")
public class RuleAudit extends PanacheEntityBase {

    public enum Change {
        @JsonProperty("create") CREATE,
        @JsonProperty("replace") REPLACE,
        @JsonProperty("enable") ENABLE,
        @JsonProperty("disable") DISABLE,
        @JsonProperty("delete") DELETE,
        /** Made active, and the downstream's Digdag schedule disabled. */
        @JsonProperty("adopt") ADOPT,
        /** Back in shadow, and the downstream's Digdag schedule enabled without its missed sessions. */
        @JsonProperty("unadopt") UNADOPT
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "rule_name")
    public String ruleName;

    @Enumerated(EnumType.STRING)
    public Change action;

    public String actor;
    public OffsetDateTime at;

    /** The rule's version after the change; null after a delete. */
    public Long version;

    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode before;

    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode after;

    /** What the change did outside Baton (the Digdag schedule of an adopt); null for most changes. */
    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode detail;
}
