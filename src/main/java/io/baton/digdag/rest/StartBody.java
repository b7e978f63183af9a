package io.baton.digdag.rest;

import java.util.Map;

/**
 * Optional body of a start or retry.
 *
 * @param params the attempt's parameters; a retry without them reuses those of the attempt it retries
 */
public record StartBody(Map<String, Object> params) {
}
