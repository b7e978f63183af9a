package io.baton.digdag.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** The {@code project} object inside attempts, sessions and workflows. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ProjectRef(String id, String name) {
}
