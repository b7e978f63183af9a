package io.baton.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.events.BatonEvent;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventOutbox;
import io.baton.events.EventsConfig;
import io.baton.problem.FieldError;
import io.baton.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.net.URI;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Accepts CloudEvents from systems that cannot produce to Kafka and puts them on the events topic (through the
 * outbox), where they are consumed like any other event.
 */
@ApplicationScoped
public class ExternalEvents {

    @Inject
    EventOutbox outbox;

    @Inject
    EventsConfig events;

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
        requireText(errors, "id", event.id());
        requireText(errors, "type", event.type());
        requireText(errors, "source", event.source());
        if (event.type() != null && event.type().startsWith(DigdagCompletion.TYPE_PREFIX)) {
            errors.add(new FieldError("type", "the prefix " + DigdagCompletion.TYPE_PREFIX + " is reserved for Baton's watcher"));
        }
        if (event.source() != null && !event.source().isBlank()) {
            try {
                URI.create(event.source());
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError("source", "not a URI reference"));
            }
        }
        if (event.data() != null && !event.data().isObject()) {
            errors.add(new FieldError("data", "must be a JSON object"));
        } else if (event.data() != null) {
            validateSession(errors, event.data());
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        OffsetDateTime time = event.time() != null ? event.time() : OffsetDateTime.now(ZoneOffset.UTC);
        outbox.append(new BatonEvent(event.id(), event.type(), event.source(), event.subject(), time, events.topic(),
                "event/" + event.type(), event.data() == null ? "{}" : event.data()));
        return event.id();
    }

    private static void validateSession(List<FieldError> errors, JsonNode data) {
        try {
            if (data.hasNonNull("sessionTime")) {
                OffsetDateTime.parse(data.get("sessionTime").asText());
            }
        } catch (RuntimeException e) {
            errors.add(new FieldError("data.sessionTime", "not a timestamp with offset"));
        }
        try {
            if (data.hasNonNull("sessionDate")) {
                java.time.LocalDate.parse(data.get("sessionDate").asText());
            }
        } catch (RuntimeException e) {
            errors.add(new FieldError("data.sessionDate", "not a date such as 2026-11-24"));
        }
    }

    private static void requireText(List<FieldError> errors, String field, String value) {
        if (value == null || value.isBlank()) {
            errors.add(new FieldError(field, "required"));
        } else if (value.length() > 200) {
            errors.add(new FieldError(field, "at most 200 characters"));
        }
    }
}
