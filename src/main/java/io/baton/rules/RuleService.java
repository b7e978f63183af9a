package io.baton.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.problem.FieldError;
import io.baton.problem.ProblemException;
import io.baton.security.Caller;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.hibernate.orm.panache.PanacheQuery;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Stores dependency rules. Writes are serialized by a transaction-scoped advisory lock, so the name and cycle checks
 * cannot race; each committed write notifies {@link RulesChanged#CHANNEL} and fires {@link RulesChanged}, and is
 * recorded in the audit table in the same transaction.
 */
@ApplicationScoped
public class RuleService {

    private static final Logger LOG = Logger.getLogger(RuleService.class);

    /** Key of the advisory lock that serializes rule writes across replicas. */
    private static final long WRITE_LOCK = 0x6261746f6e72L;

    /** What a create-or-replace did. */
    public record Written(Rule rule, boolean created) {
    }

    @Inject
    RuleValidator validator;

    @Inject
    ObjectMapper objectMapper;

    @Inject
    Caller caller;

    @Inject
    Event<RulesChanged> rulesChanged;

    /** Every enabled rule with its defaults filled in; what the trigger engine indexes. */
    /** The enabled rules; one whose stored definition cannot be read is left out (and logged), never the others. */
    @Transactional
    public List<Rule> enabledRules() {
        List<Rule> readable = new ArrayList<>();
        for (RuleEntity entity : RuleEntity.<RuleEntity>list("enabled", Sort.by("name"), true)) {
            try {
                readable.add(toRule(entity));
            } catch (IllegalStateException unreadable) {
                LOG.errorf(unreadable, "rule %s is left out of the trigger engine", entity.name);
            }
        }
        return readable;
    }

    @Transactional
    public Page<Rule> list(RuleFilter filter, int page, int size) {
        var found = find(filter).page(page, size);
        return new Page<>(found.list().stream().map(this::toRule).toList(), page, size, found.count());
    }

    /** Every rule the filter selects, by name, unpaged (the console shows a team's whole day at once). */
    @Transactional
    public List<Rule> listAll(RuleFilter filter) {
        return find(filter).stream().map(this::toRule).toList();
    }

    private static PanacheQuery<RuleEntity> find(RuleFilter filter) {
        StringBuilder query = new StringBuilder("1 = 1");
        Parameters parameters = new Parameters();
        if (filter.team() != null) {
            query.append(" and team = :team");
            parameters.and("team", filter.team());
        }
        if (filter.upstream() != null) {
            query.append(" and array_contains(upstreams, :upstream)");
            parameters.and("upstream", filter.upstream());
        }
        if (filter.downstream() != null) {
            query.append(" and downstream = :downstream");
            parameters.and("downstream", filter.downstream());
        }
        if (filter.enabled() != null) {
            query.append(" and enabled = :enabled");
            parameters.and("enabled", filter.enabled());
        }
        return RuleEntity.find(query.toString(), Sort.by("name"), parameters);
    }

    @Transactional
    public Rule get(String name) {
        return toRule(existing(name));
    }

    /** Checks a rule as {@link #put} would, without writing it. */
    @Transactional
    public Rule validate(Rule body) {
        Rule rule = validator.normalize(body);
        rejectCycle(rule);
        return rule;
    }

    @Transactional
    public Rule create(Rule body) {
        Rule rule = validator.normalize(body);
        caller.requireWriterOf(rule.team());
        lockWrites();
        if (RuleEntity.findByName(rule.name()).isPresent()) {
            throw ProblemException.conflict("a rule named '" + rule.name() + "' exists; PUT /api/v1/rules/"
                    + rule.name() + " replaces it", List.of(new FieldError("name", "is taken")));
        }
        return insert(rule);
    }

    /**
     * Creates or replaces the rule {@code name}. Sending the stored definition again changes nothing (no new version,
     * no audit entry).
     *
     * @param expectedVersion the version the client read (If-Match or the body's {@code version}); null = any
     */
    @Transactional
    public Written put(String name, Rule body, Long expectedVersion) {
        if (body != null && body.name() != null && !body.name().equals(name)) {
            throw ProblemException.invalid("name", "'" + body.name() + "' differs from the name in the path '"
                    + name + "'");
        }
        Rule rule = validator.normalize(body == null ? null : body.withName(name));
        caller.requireWriterOf(rule.team());
        lockWrites();
        Optional<RuleEntity> found = RuleEntity.findByName(name);
        if (found.isEmpty()) {
            if (expectedVersion != null) {
                throw ProblemException.conflict("rule '" + name + "' does not exist (any more); send it without a "
                        + "version to create it", List.of(new FieldError("version", "no such version")));
            }
            return new Written(insert(rule), true);
        }
        RuleEntity entity = found.get();
        caller.requireWriterOf(entity.team);
        requireVersion(entity, expectedVersion);
        if (json(rule.definition()).equals(entity.definition)) {
            return new Written(toRule(entity), false);
        }
        rejectCycle(rule);
        JsonNode before = entity.definition;
        apply(rule, entity);
        return new Written(recordChange(entity, RuleAudit.Change.REPLACE, before), false);
    }

    @Transactional
    public Rule setEnabled(String name, boolean enabled, Long expectedVersion) {
        lockWrites();
        RuleEntity entity = existing(name);
        caller.requireWriterOf(entity.team);
        requireVersion(entity, expectedVersion);
        if (entity.enabled == enabled) {
            return toRule(entity);
        }
        JsonNode before = entity.definition;
        apply(toRule(entity).withEnabled(enabled).definition(), entity);
        return recordChange(entity, enabled ? RuleAudit.Change.ENABLE : RuleAudit.Change.DISABLE, before);
    }

    /**
     * Switches the rule's mode together with a step outside Baton (disabling or enabling a Digdag schedule), run
     * last inside the transaction: if the step fails, nothing is stored. The step's answer is kept in the audit.
     */
    @Transactional
    public Rule changeMode(String name, RuleMode mode, RuleAudit.Change change, Supplier<JsonNode> step) {
        lockWrites();
        RuleEntity entity = existing(name);
        caller.requireWriterOf(entity.team);
        JsonNode before = entity.definition;
        apply(toRule(entity).withMode(mode).definition(), entity);
        RuleEntity.flush();
        audit(entity.name, change, entity.version, before, entity.definition, step.get());
        announce(entity.name);
        return toRule(entity);
    }

    @Transactional
    public void delete(String name, Long expectedVersion) {
        lockWrites();
        RuleEntity entity = existing(name);
        caller.requireWriterOf(entity.team);
        requireVersion(entity, expectedVersion);
        audit(name, RuleAudit.Change.DELETE, null, entity.definition, null, null);
        entity.delete();
        announce(name);
    }

    /** Newest first; the history outlives the rule. */
    @Transactional
    public Page<RuleChange> history(String name, int page, int size) {
        var found = RuleAudit.<RuleAudit>find("ruleName", Sort.descending("id"), name).page(page, size);
        long total = found.count();
        if (total == 0 && RuleEntity.findByName(name).isEmpty()) {
            throw noSuchRule(name);
        }
        List<RuleChange> changes = found.list().stream().map(a -> new RuleChange(a.ruleName, a.action, a.actor, a.at,
                a.version, a.before, a.after, a.detail)).toList();
        return new Page<>(changes, page, size, total);
    }

    @Transactional
    public DependencyGraph graph() {
        return DependencyGraph.of(allRules());
    }

    private Rule insert(Rule rule) {
        rejectCycle(rule);
        RuleEntity entity = new RuleEntity();
        entity.createdBy = caller.name();
        entity.createdAt = OffsetDateTime.now();
        apply(rule, entity);
        entity.persist();
        return recordChange(entity, RuleAudit.Change.CREATE, null);
    }

    private void apply(Rule rule, RuleEntity entity) {
        entity.name = rule.name();
        entity.team = rule.team();
        entity.description = rule.description();
        entity.enabled = rule.enabled();
        entity.definition = json(rule.definition());
        entity.upstreams = rule.upstreamKeys().toArray(String[]::new);
        entity.downstream = rule.action().workflowKey();
        entity.updatedBy = caller.name();
        entity.updatedAt = OffsetDateTime.now();
    }

    /** Flushes (which raises the version) and records the change. */
    private Rule recordChange(RuleEntity entity, RuleAudit.Change change, JsonNode before) {
        RuleEntity.flush();
        audit(entity.name, change, entity.version, before, entity.definition, null);
        announce(entity.name);
        return toRule(entity);
    }

    private void audit(String name, RuleAudit.Change change, Long version, JsonNode before, JsonNode after,
                       JsonNode detail) {
        RuleAudit audit = new RuleAudit();
        audit.ruleName = name;
        audit.action = change;
        audit.actor = caller.name();
        audit.at = OffsetDateTime.now();
        audit.version = version;
        audit.before = before;
        audit.after = after;
        audit.detail = detail;
        audit.persist();
    }

    /** Tells this replica after commit (CDI) and every replica on commit (PostgreSQL NOTIFY). */
    private void announce(String name) {
        Panache.getEntityManager().createNativeQuery("SELECT 1 FROM pg_notify(:channel, :name)")
                .setParameter("channel", RulesChanged.CHANNEL)
                .setParameter("name", name)
                .getSingleResult();
        rulesChanged.fire(new RulesChanged(name));
    }

    private void lockWrites() {
        Panache.getEntityManager().createNativeQuery("SELECT 1 FROM pg_advisory_xact_lock(:key)")
                .setParameter("key", WRITE_LOCK)
                .getSingleResult();
    }

    private void rejectCycle(Rule rule) {
        Cycles.closedBy(rule, allRules()).ifPresent(cycle -> {
            throw ProblemException.invalid("action", "would close a dependency cycle: " + cycle);
        });
    }

    private List<Rule> allRules() {
        return RuleEntity.<RuleEntity>listAll(Sort.by("name")).stream().map(this::toRule).toList();
    }

    private static void requireVersion(RuleEntity entity, Long expectedVersion) {
        if (expectedVersion != null && expectedVersion != entity.version) {
            throw ProblemException.conflict("rule '" + entity.name + "' is at version " + entity.version
                    + ", not " + expectedVersion + "; read it again and reapply the change",
                    List.of(new FieldError("version", "is stale")));
        }
    }

    private static RuleEntity existing(String name) {
        return RuleEntity.findByName(name).orElseThrow(() -> noSuchRule(name));
    }

    private static ProblemException noSuchRule(String name) {
        return new ProblemException(404, "Not Found", "no rule named '" + name + "'",
                List.of(new FieldError("name", "no such rule")));
    }

    private Rule toRule(RuleEntity entity) {
        try {
            return objectMapper.treeToValue(entity.definition, Rule.class).withMetadata(entity.version,
                    entity.createdBy, entity.createdAt, entity.updatedBy, entity.updatedAt);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored rule " + entity.name + " is not readable", e);
        }
    }

    private JsonNode json(Rule rule) {
        return objectMapper.valueToTree(rule);
    }
}
