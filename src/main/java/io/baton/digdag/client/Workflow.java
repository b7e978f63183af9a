package io.baton.digdag.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Digdag's RestWorkflowDefinition. Each project revision has its own workflow ids, so the id to start an attempt
 * with must be looked up again after a push.
 *
 * @param timezone a zone id such as {@code UTC} or {@code Asia/Tokyo}
 * @param config   the whole .dig file as JSON, without its {@code timezone} key
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Workflow(String id, String name, ProjectRef project, String revision, String timezone, JsonNode config) {
}
