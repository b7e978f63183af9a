package io.baton.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.OffsetDateTime;
import java.util.Optional;

@Entity
@Table(name = "rules")
public class RuleEntity extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String name;
    public String team;
    public String description;
    public boolean enabled;

    @Version
    public long version;

    /** The rule's JSON without version and audit fields. */
    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode definition;

    @JdbcTypeCode(SqlTypes.ARRAY)
    public String[] upstreams;

    public String downstream;

    @Column(name = "created_by")
    public String createdBy;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @Column(name = "updated_by")
    public String updatedBy;

    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;

    static Optional<RuleEntity> findByName(String name) {
        return find("name", name).firstResultOptional();
    }
}
