package io.baton.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.baton.digdag.client.DigdagConfig;
import io.baton.problem.FieldError;
import io.baton.problem.InputLimits;
import io.baton.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks everything about a rule that needs no other rule and fills in the defaults. Collects every bad field before
 * it fails, so one 400 lists them all.
 */
@ApplicationScoped
public class RuleValidator {

    /** Lower-case letters, digits and inner dashes, at most 63 characters (a DNS label). */
    static final Pattern SLUG = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern HH_MM = Pattern.compile("([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d)?");
    private static final int MAX_NAME = 255;
    /** Longest task name, description or template. */
    public static final int MAX_TEXT = 2000;

    @Inject
    DigdagConfig digdag;

    @Inject
    RulesConfig config;

    @Inject
    DigdagReferences digdagReferences;

    @Inject
    RuleExpressions expressions;

    /** @return the rule with every default filled in; fails with a 400 listing each bad field */
    public Rule normalize(Rule rule) {
        if (rule == null) {
            throw ProblemException.invalid("body", "a rule is required");
        }
        List<FieldError> errors = new ArrayList<>();
        slug(errors, "name", rule.name());
        slug(errors, "team", rule.team());
        if (rule.description() != null && rule.description().length() > MAX_TEXT) {
            errors.add(new FieldError("description", "must be at most " + MAX_TEXT + " characters"));
        } else if (rule.description() != null) {
            String bad = InputLimits.badCharacters(rule.description(), true);
            if (bad != null) {
                errors.add(new FieldError("description", bad));
            }
        }
        List<Upstream> upstreams = upstreams(errors, rule.upstreams());
        condition(errors, rule, upstreams);
        Correlation correlation = correlation(errors, rule.correlation());
        String window = rule.window() == null ? Rule.DEFAULT_WINDOW : rule.window();
        Duration windowDuration = InputLimits.duration(errors, "window", window);
        if (windowDuration != null && (windowDuration.isNegative() || windowDuration.isZero())) {
            errors.add(new FieldError("window", "must be positive"));
        }
        Deadline deadline = deadline(errors, rule.deadline(), correlation.zone());
        Action action = action(errors, rule.action());
        Notify notification = notification(errors, rule.notification());
        // Re-runs are seen in Digdag's attempts; an external event has no attempt to be newer than another.
        if (rule.upstreamRerun() != UpstreamRerun.IGNORE && !upstreams.isEmpty()
                && upstreams.stream().allMatch(upstream -> upstream.digdag() == null)) {
            errors.add(new FieldError("onUpstreamRerun", "needs a Digdag upstream; external events are not re-run"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        Rule normalized = new Rule(rule.name(), rule.team(), rule.description(), rule.enabled() == null || rule.enabled(),
                rule.mode() == null ? RuleMode.ACTIVE : rule.mode(), upstreams,
                rule.condition() != null ? null : rule.match() == null ? Match.ALL : rule.match(),
                rule.condition(), rule.dependsOnPast() != null && rule.dependsOnPast(), rule.upstreamRerun(),
                correlation, window, deadline,
                action, notification, rule.version(), null, null, null, null);
        if (config.verifyAgainstDigdag()) {
            digdagReferences.verify(normalized);
        }
        return normalized;
    }

    private List<Upstream> upstreams(List<FieldError> errors, List<Upstream> upstreams) {
        if (upstreams == null || upstreams.isEmpty()) {
            errors.add(new FieldError("upstreams", "needs at least one upstream condition"));
            return List.of();
        }
        if (upstreams.size() > config.maxUpstreams()) {
            errors.add(new FieldError("upstreams", "may have at most " + config.maxUpstreams() + " conditions"));
            return List.of();
        }
        Set<String> explicitIds = new HashSet<>();
        for (int i = 0; i < upstreams.size(); i++) {
            Upstream upstream = upstreams.get(i);
            if (upstream != null && upstream.id() != null && slug(errors, "upstreams[" + i + "].id", upstream.id())
                    && !explicitIds.add(upstream.id())) {
                errors.add(new FieldError("upstreams[" + i + "].id", "'" + upstream.id() + "' is used twice"));
            }
        }
        Set<String> usedIds = new HashSet<>(explicitIds);
        List<Upstream> normalized = new ArrayList<>();
        for (int i = 0; i < upstreams.size(); i++) {
            String field = "upstreams[" + i + "]";
            Upstream upstream = upstreams.get(i);
            if (upstream == null || (upstream.digdag() == null) == (upstream.event() == null)) {
                errors.add(new FieldError(field, "needs exactly one of 'digdag' or 'event'"));
                continue;
            }
            DigdagCondition digdagCondition = upstream.digdag() == null ? null
                    : digdagCondition(errors, field + ".digdag", upstream.digdag());
            EventCondition event = upstream.event() == null ? null : event(errors, field + ".event", upstream.event());
            if (upstream.filter() != null && expressionLength(errors, field + ".filter", upstream.filter())) {
                errors.addAll(expressions.checkFilter(field + ".filter", upstream.filter()));
            }
            String id = upstream.id() != null ? upstream.id() : derivedId(upstream, usedIds);
            normalized.add(new Upstream(id, digdagCondition, event, upstream.filter()));
        }
        return normalized;
    }

    /** A CEL condition replaces {@code match}; it is checked against the ids the upstreams end up with. */
    private void condition(List<FieldError> errors, Rule rule, List<Upstream> upstreams) {
        if (rule.condition() == null) {
            return;
        }
        if (rule.match() != null) {
            errors.add(new FieldError("match", "give either 'match' or 'condition', not both"));
        }
        // Upstreams in error have no id yet; the condition is checked once they are fixed.
        if (expressionLength(errors, "condition", rule.condition()) && rule.upstreams() != null
                && upstreams.size() == rule.upstreams().size()) {
            errors.addAll(expressions.checkCondition("condition", rule.condition(),
                    upstreams.stream().map(Upstream::id).toList()));
        }
    }

    /** CEL reads the rest (line breaks are welcome in an expression). */
    private static boolean expressionLength(List<FieldError> errors, String field, String expression) {
        if (expression.length() > MAX_TEXT) {
            errors.add(new FieldError(field, "must be at most " + MAX_TEXT + " characters"));
            return false;
        }
        return true;
    }

    private DigdagCondition digdagCondition(List<FieldError> errors, String field, DigdagCondition condition) {
        server(errors, field + ".server", condition.server());
        name(errors, field + ".project", condition.project());
        name(errors, field + ".workflow", condition.workflow());
        if (condition.task() != null) {
            if (!condition.task().startsWith("+")) {
                errors.add(new FieldError(field + ".task", "must be a task's full name such as '+etl+load'"));
            } else {
                InputLimits.text(errors, field + ".task", condition.task(), MAX_TEXT);
            }
        }
        return new DigdagCondition(condition.server(), condition.project(), condition.workflow(), condition.task(),
                condition.outcome() == null ? Outcome.SUCCESS : condition.outcome());
    }

    private EventCondition event(List<FieldError> errors, String field, EventCondition event) {
        if (name(errors, field + ".type", event.type()) && event.type().chars().anyMatch(Character::isWhitespace)) {
            errors.add(new FieldError(field + ".type", "must not contain whitespace"));
        }
        if (event.subject() != null) {
            InputLimits.text(errors, field + ".subject", event.subject(), MAX_TEXT);
        }
        return event;
    }

    /** A slug from the condition, made unique within the rule. */
    private static String derivedId(Upstream upstream, Set<String> usedIds) {
        String source = upstream.digdag() != null
                ? upstream.digdag().project() + "-" + upstream.digdag().workflow()
                  + (upstream.digdag().task() == null ? "" : "-" + upstream.digdag().task())
                : upstream.event().type();
        String base = String.valueOf(source).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-+|-+$", "");
        base = base.isEmpty() ? "upstream" : base.substring(0, Math.min(base.length(), 56)).replaceAll("-+$", "");
        String id = base;
        for (int n = 2; !usedIds.add(id); n++) {
            id = base + "-" + n;
        }
        return id;
    }

    private Correlation correlation(List<FieldError> errors, Correlation correlation) {
        if (correlation == null) {
            return Correlation.DEFAULT;
        }
        CorrelateBy by = correlation.by() == null ? CorrelateBy.SESSION_TIME : correlation.by();
        String zone = correlation.zone() == null ? "UTC" : correlation.zone();
        zone(errors, "correlation.zone", zone);
        if (correlation.upstreamEvery() != null) {
            Duration every = InputLimits.duration(errors, "correlation.upstreamEvery", correlation.upstreamEvery());
            if (by != CorrelateBy.SESSION_DATE) {
                errors.add(new FieldError("correlation.upstreamEvery", "needs \"by\": \"session_date\""));
            } else if (every != null && (every.compareTo(Duration.ofMinutes(1)) < 0
                    || Duration.ofDays(1).toNanos() % every.toNanos() != 0)) {
                errors.add(new FieldError("correlation.upstreamEvery",
                        "must divide a day evenly and be at least PT1M, e.g. PT1H or PT15M"));
            }
        }
        if (correlation.downstreamShift() != null) {
            shift(errors, "correlation.downstreamShift", correlation.downstreamShift());
        }
        return new Correlation(by, zone, correlation.upstreamEvery(), correlation.downstreamShift());
    }

    private Deadline deadline(List<FieldError> errors, Deadline deadline, String defaultZone) {
        if (deadline == null) {
            return null;
        }
        localTime(errors, "deadline.time", deadline.time());
        String zone = deadline.zone() == null ? defaultZone : deadline.zone();
        zone(errors, "deadline.zone", zone);
        return new Deadline(deadline.time(), zone);
    }

    private Action action(List<FieldError> errors, Action action) {
        if (action == null) {
            errors.add(new FieldError("action", "is required"));
            return null;
        }
        server(errors, "action.server", action.server());
        name(errors, "action.project", action.project());
        name(errors, "action.workflow", action.workflow());
        JsonNode params = action.params() == null || action.params().isNull()
                ? JsonNodeFactory.instance.objectNode() : action.params();
        if (!params.isObject()) {
            errors.add(new FieldError("action.params", "must be a JSON object"));
        } else {
            InputLimits.storedJson(errors, "action.params", params);
            Set<String> unknown = Placeholders.unknown(params);
            if (!unknown.isEmpty()) {
                errors.add(new FieldError("action.params", "unknown placeholder(s) " + unknown + "; known: "
                        + new TreeSet<>(Placeholders.KNOWN)));
            }
        }
        return new Action(action.server(), action.project(), action.workflow(), params,
                action.ifFailed() == null ? IfFailed.NONE : action.ifFailed());
    }

    private Notify notification(List<FieldError> errors, Notify notify) {
        if (notify == null) {
            return null;
        }
        if (notify.slack() == null) {
            errors.add(new FieldError("notify.slack", "is required in notify"));
        } else if (!config.slackWebhooks().containsKey(notify.slack())) {
            errors.add(new FieldError("notify.slack", "unknown Slack webhook '" + notify.slack()
                    + "'; configured: " + new TreeSet<>(config.slackWebhooks().keySet())));
        }
        return notify;
    }

    /** A local time of day, HH:mm or HH:mm:ss. */
    public static void localTime(List<FieldError> errors, String field, String value) {
        if (value == null || !HH_MM.matcher(value).matches()) {
            errors.add(new FieldError(field, "must be a local time HH:mm (or HH:mm:ss) such as 07:00"));
        }
    }

    /** A name or team: lower-case letters, digits and inner dashes, at most 63 characters. */
    public static boolean slug(List<FieldError> errors, String field, String value) {
        if (value == null || !SLUG.matcher(value).matches()) {
            errors.add(new FieldError(field, value == null ? "is required"
                    : "must be 1 to 63 lower-case letters, digits or inner dashes"));
            return false;
        }
        return true;
    }

    /** One of the configured Digdag servers. */
    public void server(List<FieldError> errors, String field, String server) {
        if (server == null) {
            errors.add(new FieldError(field, "is required"));
        } else if (!digdag.servers().containsKey(server)) {
            errors.add(new FieldError(field, "unknown Digdag server '" + server + "'; configured: "
                    + new TreeSet<>(digdag.servers().keySet())));
        }
    }

    /** A Digdag project or workflow name, or an event type. */
    public static boolean name(List<FieldError> errors, String field, String value) {
        if (value == null || value.isBlank()) {
            errors.add(new FieldError(field, "is required"));
            return false;
        }
        return InputLimits.text(errors, field, value, MAX_NAME);
    }

    /** An IANA time zone. */
    public static void zone(List<FieldError> errors, String field, String zone) {
        try {
            ZoneId.of(zone);
        } catch (DateTimeException e) {
            errors.add(new FieldError(field, "unknown time zone '" + zone + "'; use an IANA name such as Asia/Tokyo"));
        }
    }

    private static void shift(List<FieldError> errors, String field, String value) {
        if (Correlation.isTimeBased(value)) {
            InputLimits.duration(errors, field, value);
        } else {
            InputLimits.period(errors, field, value);
        }
    }
}
