package io.baton.digdag.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** The {@code workflow} object inside attempts and sessions; {@code id} is null when the definition is gone. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WorkflowRef(String name, String id) {
}
