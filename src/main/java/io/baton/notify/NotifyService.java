package io.baton.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.audit.AuditLog;
import io.baton.problem.FieldError;
import io.baton.problem.InputLimits;
import io.baton.problem.ProblemException;
import io.baton.rules.RuleValidator;
import io.baton.rules.RulesConfig;
import io.baton.security.Caller;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Subscriptions and expectations: checked as strictly as rules (one 400 lists every bad field), changed only by an
 * admin or a writer of the owning team (of the old and the new team on a replace), each change in the caller audit.
 */
@ApplicationScoped
public class NotifyService {

    public static final Set<String> COMPLETION_STATES = Set.of("success", "error", "killed", "canceled");
    public static final Set<String> EXPECTATION_STATES = Set.of("late", "failed", "not_started", "recovered");
    static final String SUBSCRIPTION = "subscription";
    static final String EXPECTATION = "expectation";

    @Inject
    RuleValidator rules;

    @Inject
    RulesConfig rulesConfig;

    @Inject
    NotifyConfig config;

    @Inject
    Caller caller;

    @Inject
    AuditLog audit;

    @Inject
    ObjectMapper mapper;

    /** @param created whether the write made a new one (201) rather than replacing one (200) */
    public record Written<T>(boolean created, T value) {
    }

    // ---- subscriptions

    public List<Subscription> subscriptions(String team) {
        List<SubscriptionEntity> found = team == null ? SubscriptionEntity.listAll(Sort.by("name"))
                : SubscriptionEntity.list("team", Sort.by("name"), team);
        return found.stream().map(this::subscription).toList();
    }

    public Subscription subscription(String name) {
        return subscription(SubscriptionEntity.<SubscriptionEntity>findByIdOptional(name)
                .orElseThrow(() -> ProblemException.notFound("no subscription '" + name + "'")));
    }

    @Transactional
    public Written<Subscription> putSubscription(String name, Subscription body, boolean mustBeNew) {
        Subscription subscription = normalize(name, body);
        SubscriptionEntity existing = SubscriptionEntity.findById(name);
        SubscriptionEntity entity = write(SUBSCRIPTION, existing, SubscriptionEntity::new,
                mustBeNew, subscription.name(), subscription.team(), subscription.server(), subscription.project(),
                subscription.workflow(), subscription.enabled(), e -> e.definition = json(subscription));
        return new Written<>(existing == null, subscription(entity));
    }

    @Transactional
    public void deleteSubscription(String name) {
        delete(SUBSCRIPTION, name, SubscriptionEntity.findById(name));
    }

    /** Enabled subscriptions that want this state of the workflow, or of the task (null: the attempt itself). */
    public List<Subscription> matching(String server, String project, String workflow, String task, String state) {
        return QuarkusTransaction.requiringNew().call(() -> SubscriptionEntity.matching(server, project, workflow)
                .stream().map(this::subscription)
                .filter(s -> s.wants(state) && Objects.equals(s.task(), task))
                .toList());
    }

    Subscription subscription(SubscriptionEntity entity) {
        try {
            return mapper.readValue(entity.definition, Subscription.class).withTimes(entity.createdAt,
                    entity.updatedAt);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored subscription " + entity.name + " is unreadable", e);
        }
    }

    private Subscription normalize(String name, Subscription s) {
        if (s == null) {
            throw ProblemException.invalid("body", "a subscription is required");
        }
        List<FieldError> errors = new ArrayList<>();
        owner(errors, name, s.name(), s.team());
        rules.server(errors, "server", s.server());
        RuleValidator.name(errors, "project", s.project());
        if (s.workflow() != null) {
            RuleValidator.name(errors, "workflow", s.workflow());
        }
        if (s.task() != null) {
            if (!s.task().startsWith("+")) {
                errors.add(new FieldError("task", "must be a task's full name such as '+etl+load'"));
            } else {
                InputLimits.text(errors, "task", s.task(), RuleValidator.MAX_TEXT);
            }
        }
        states(errors, s);
        if ((s.slack() == null) == (s.webhook() == null)) {
            errors.add(new FieldError("slack", "give exactly one of 'slack' or 'webhook'"));
        } else if (s.slack() != null && !rulesConfig.slackWebhooks().containsKey(s.slack())) {
            errors.add(new FieldError("slack", "unknown Slack webhook '" + s.slack() + "'; configured: "
                    + new TreeSet<>(rulesConfig.slackWebhooks().keySet())));
        } else if (s.webhook() != null && !config.webhooks().containsKey(s.webhook())) {
            errors.add(new FieldError("webhook", "unknown webhook '" + s.webhook() + "'; configured: "
                    + new TreeSet<>(config.webhooks().keySet())));
        }
        String format = s.format() == null ? Subscription.BLOCKS : s.format();
        if (!format.equals(Subscription.BLOCKS) && !format.equals(Subscription.TEXT)) {
            errors.add(new FieldError("format", "must be blocks or text"));
        }
        Map<String, String> templates = s.templates() == null ? Map.of() : new LinkedHashMap<>(s.templates());
        templates.forEach((state, template) -> {
            String field = "templates." + state;
            if (s.states() == null || !s.states().contains(state)) {
                errors.add(new FieldError(field, "names no state of this subscription"));
            } else if (template == null || template.isBlank()) {
                errors.add(new FieldError(field, "is required"));
            } else if (InputLimits.text(errors, field, template, RuleValidator.MAX_TEXT)) {
                String bad = InputLimits.badCharacters(template, true);
                if (bad != null) {
                    errors.add(new FieldError(field, bad));
                }
            }
        });
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new Subscription(name, s.team(), s.enabled() == null || s.enabled(), s.server(), s.project(),
                s.workflow(), s.task(), List.copyOf(new TreeSet<>(s.states())), s.slack(), s.webhook(), format,
                templates.isEmpty() ? null : templates, null, null);
    }

    private static void states(List<FieldError> errors, Subscription s) {
        if (s.states() == null || s.states().isEmpty()) {
            errors.add(new FieldError("states", "needs at least one of " + new TreeSet<>(COMPLETION_STATES) + " or "
                    + new TreeSet<>(EXPECTATION_STATES)));
            return;
        }
        for (int i = 0; i < s.states().size(); i++) {
            String state = s.states().get(i);
            String field = "states[" + i + "]";
            if (EXPECTATION_STATES.contains(state) && s.task() != null) {
                errors.add(new FieldError(field, "expectation alerts are about workflows: subscribe without 'task'"));
            } else if (!COMPLETION_STATES.contains(state) && !EXPECTATION_STATES.contains(state)) {
                errors.add(new FieldError(field, "unknown state '" + state + "'; known: "
                        + new TreeSet<>(COMPLETION_STATES) + " and " + new TreeSet<>(EXPECTATION_STATES)));
            }
        }
    }

    // ---- expectations

    public List<Expectation> expectations(String team) {
        List<ExpectationEntity> found = team == null ? ExpectationEntity.listAll(Sort.by("name"))
                : ExpectationEntity.list("team", Sort.by("name"), team);
        return found.stream().map(ExpectationEntity::toExpectation).toList();
    }

    public Expectation expectation(String name) {
        return ExpectationEntity.<ExpectationEntity>findByIdOptional(name)
                .orElseThrow(() -> ProblemException.notFound("no expectation '" + name + "'")).toExpectation();
    }

    @Transactional
    public Written<Expectation> putExpectation(String name, Expectation body, boolean mustBeNew) {
        Expectation e = normalize(name, body);
        ExpectationEntity existing = ExpectationEntity.findById(name);
        ExpectationEntity entity = write(EXPECTATION, existing, ExpectationEntity::new,
                mustBeNew, e.name(), e.team(), e.server(), e.project(), e.workflow(), e.enabled(), stored -> {
                    stored.by = e.by();
                    stored.zone = e.zone();
                });
        return new Written<>(existing == null, entity.toExpectation());
    }

    @Transactional
    public void deleteExpectation(String name) {
        delete(EXPECTATION, name, ExpectationEntity.findById(name));
    }

    private Expectation normalize(String name, Expectation e) {
        if (e == null) {
            throw ProblemException.invalid("body", "an expectation is required");
        }
        List<FieldError> errors = new ArrayList<>();
        owner(errors, name, e.name(), e.team());
        rules.server(errors, "server", e.server());
        RuleValidator.name(errors, "project", e.project());
        RuleValidator.name(errors, "workflow", e.workflow());
        RuleValidator.localTime(errors, "by", e.by());
        String zone = e.zone() == null ? "UTC" : e.zone();
        RuleValidator.zone(errors, "zone", zone);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new Expectation(name, e.team(), e.enabled() == null || e.enabled(), e.server(), e.project(),
                e.workflow(), e.by(), zone, null, null);
    }

    // ---- shared

    /** The path's name, the body's (when given, the same) and the owning team. */
    private static void owner(List<FieldError> errors, String pathName, String bodyName, String team) {
        if (RuleValidator.slug(errors, "name", pathName) && bodyName != null && !bodyName.equals(pathName)) {
            errors.add(new FieldError("name", "'" + bodyName + "' differs from the name in the path '" + pathName
                    + "'"));
        }
        RuleValidator.slug(errors, "team", team);
    }

    /**
     * Writes a subscription or expectation after checking that the caller may change the stored one (its team) and
     * write the new one; a create ({@code mustBeNew}) that finds the name taken is a 409. {@code own} sets the
     * columns of the kind.
     */
    private <E extends OwnedEntity> E write(String kind, E existing, Supplier<E> fresh, boolean mustBeNew,
                                            String name, String team, String server, String project,
                                            String workflow, boolean enabled, Consumer<E> own) {
        String action = "change this " + kind;
        if (existing != null) {
            caller.requireWriterOfAny(List.of(existing.team), action);
            if (mustBeNew) {
                throw ProblemException.conflict("a " + kind + " with this name exists", List.of(
                        new FieldError("name", "is taken")));
            }
        }
        caller.requireWriterOfAny(List.of(team), action);
        E entity = existing != null ? existing : fresh.get();
        entity.name = name;
        entity.team = team;
        entity.server = server;
        entity.project = project;
        entity.workflow = workflow;
        entity.enabled = enabled;
        own.accept(entity);
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        entity.createdAt = existing == null ? now : entity.createdAt;
        entity.updatedAt = now;
        entity.persist();
        audit.record(kind, name, null, existing == null ? "create" : "replace");
        return entity;
    }

    private void delete(String kind, String name, OwnedEntity entity) {
        if (entity == null) {
            throw ProblemException.notFound("no " + kind + " '" + name + "'");
        }
        caller.requireWriterOfAny(List.of(entity.team), "change this " + kind);
        entity.delete();
        audit.record(kind, name, null, "delete");
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
