package io.baton.digdag.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.time.Instant;

/** Digdag's RestProject; {@code revision} is the latest revision. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Project(String id, String name, String revision, Instant createdAt, Instant updatedAt,
                      Instant deletedAt, String archiveType, String archiveMd5) {
}
