package io.baton.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.audit.AuditLog;
import io.baton.digdag.client.DigdagConfig;
import io.baton.digdag.client.SessionTimes;
import io.baton.events.BatonEvent;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventOutbox;
import io.baton.events.EventsConfig;
import io.baton.problem.FieldError;
import io.baton.problem.InputLimits;
import io.baton.problem.ProblemException;
import io.baton.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Accepts CloudEvents from systems that cannot produce to Kafka and puts them on the events topic (through the
 * outbox), where they are consumed like any other event. An event is identified by its source and id, and no source
 * may claim to be a configured Digdag server or Baton itself, so an external event can never take the place of one
 * Baton derives from Digdag. A type claimed by teams ({@code baton.trigger.event-teams}) is published by their
 * writers only.
 */
@ApplicationScoped
public class ExternalEvents {

    static final int MAX_ID = 200;
    static final int MAX_TYPE = 200;
    /** Also keeps (source, id), the outbox's unique key, within what PostgreSQL can index. */
    static final int MAX_SOURCE = 400;
    static final int MAX_SUBJECT = 2000;

    @Inject
    EventOutbox outbox;

    @Inject
    EventsConfig events;

    @Inject
    DigdagConfig digdag;

    @Inject
    TriggerConfig config;

    @Inject
    Caller caller;

    @Inject
    AuditLog audit;

    /** A CloudEvent in structured JSON form. */
    public record CloudEvent(String specversion, String id, String type, String source, String subject,
                             OffsetDateTime time, JsonNode data) {
    }

    @Transactional
    public String accept(CloudEvent event) {
        if (event == null) {
            throw ProblemException.invalid("body", "a CloudEvent in structured JSON form is required");
        }
        List<FieldError> errors = new ArrayList<>();
        if (!"1.0".equals(event.specversion())) {
            errors.add(new FieldError("specversion", "must be \"1.0\""));
        }
        requireText(errors, "id", event.id(), MAX_ID);
        if (requireText(errors, "type", event.type(), MAX_TYPE)
                && event.type().startsWith(DigdagCompletion.TYPE_PREFIX)) {
            errors.add(new FieldError("type", "the prefix " + DigdagCompletion.TYPE_PREFIX + " is reserved for Baton's watcher"));
        }
        if (requireText(errors, "source", event.source(), MAX_SOURCE)) {
            source(errors, event.source());
        }
        if (event.subject() != null) {
            InputLimits.text(errors, "subject", event.subject(), MAX_SUBJECT);
        }
        InputLimits.time(errors, "time", event.time());
        if (event.data() != null && !event.data().isObject()) {
            errors.add(new FieldError("data", "must be a JSON object"));
        } else if (event.data() != null) {
            InputLimits.storedJson(errors, "data", event.data());
            validateSession(errors, event.data());
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        requirePublisher(event.type());
        reserved(event.source());
        OffsetDateTime time = event.time() != null ? event.time() : OffsetDateTime.now(ZoneOffset.UTC);
        if (outbox.append(new BatonEvent(event.id(), event.type(), event.source(), event.subject(), time,
                events.topic(), "event/" + event.type(), event.data() == null ? "{}" : event.data()))) {
            audit.record(AuditLog.EVENT, event.source(), null, event.type() + " " + event.id());
        }
        return event.id();
    }

    /** Only writers of the teams that claim the type (or admins) publish a claimed type; anyone may publish others. */
    private void requirePublisher(String type) {
        List<String> teams = config.eventTeams().entrySet().stream()
                .filter(claim -> claims(claim.getKey(), type))
                .flatMap(claim -> claim.getValue().stream())
                .distinct()
                .toList();
        if (!teams.isEmpty()) {
            caller.requireWriterOfAny(teams, "publish events of type '" + type + "'");
        }
    }

    /** A claim is a type, or a prefix ending in {@code *} such as {@code sales.*}. */
    private static boolean claims(String claim, String type) {
        return claim.endsWith("*") ? type.startsWith(claim.substring(0, claim.length() - 1)) : claim.equals(type);
    }

    private static void source(List<FieldError> errors, String source) {
        try {
            new URI(source);
        } catch (URISyntaxException e) {
            errors.add(new FieldError("source", "not a URI reference"));
        }
    }

    /** A configured Digdag server's URL and Baton's own source (and what lies below them) are not for callers. */
    private void reserved(String source) {
        String claimed = normalized(source);
        boolean reserved = Stream.concat(digdag.servers().values().stream().map(DigdagConfig.Server::url),
                        Stream.of(events.source()))
                .map(ExternalEvents::normalized)
                .anyMatch(own -> claimed.equals(own) || claimed.startsWith(own + "/") || claimed.startsWith(own + ":"));
        if (reserved) {
            throw new ProblemException(403, "Forbidden", "the source '" + source + "' is Baton's or a configured "
                    + "Digdag server's; external events need a source of their own",
                    List.of(new FieldError("source", "is reserved")));
        }
    }

    private static String normalized(String uri) {
        String lower = uri.strip().toLowerCase(Locale.ROOT);
        return lower.endsWith("/") ? lower.substring(0, lower.length() - 1) : lower;
    }

    private static void validateSession(List<FieldError> errors, JsonNode data) {
        if (data.hasNonNull("sessionTime")) {
            try {
                InputLimits.time(errors, "data.sessionTime", SessionTimes.parse(data.get("sessionTime").asText()));
            } catch (DateTimeException e) {
                errors.add(new FieldError("data.sessionTime", "not a timestamp with offset"));
            }
        }
        if (data.hasNonNull("sessionDate")) {
            try {
                LocalDate date = LocalDate.parse(data.get("sessionDate").asText());
                InputLimits.time(errors, "data.sessionDate", date.atStartOfDay().atOffset(ZoneOffset.UTC));
            } catch (DateTimeException e) {
                errors.add(new FieldError("data.sessionDate", "not a date such as 2026-11-24"));
            }
        }
    }

    private static boolean requireText(List<FieldError> errors, String field, String value, int maxLength) {
        if (value == null || value.isBlank()) {
            errors.add(new FieldError(field, "required"));
            return false;
        }
        return InputLimits.text(errors, field, value, maxLength);
    }
}
