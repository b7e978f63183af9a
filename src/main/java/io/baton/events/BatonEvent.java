package io.baton.events;

import java.time.OffsetDateTime;

/**
 * A CloudEvent on its way to Kafka. {@code id} must be deterministic for the fact it reports, so the
 * outbox drops a repeated report and consumers can drop a rare duplicate delivery.
 *
 * @param data any Jackson-serializable value; it becomes the record value (CloudEvents binary mode)
 */
public record BatonEvent(String id, String type, String source, String subject, OffsetDateTime time,
                         String topic, String key, Object data) {
}
