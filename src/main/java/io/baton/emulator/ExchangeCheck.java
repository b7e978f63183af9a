package io.baton.emulator;

import java.util.List;
import java.util.Map;

/**
 * Looks at a request and the answer the emulator is about to give. Any problem it reports replaces the answer
 * with a 500 naming the problems, so a contract violation fails whatever test caused it.
 */
@FunctionalInterface
public interface ExchangeCheck {

    /** @return problems found; empty when the exchange is fine */
    List<String> check(Exchange exchange);

    /**
     * @param query          the raw query string, or null
     * @param requestHeaders header names in lower case
     * @param requestBody    empty when there was none
     */
    record Exchange(String method, String path, String query, Map<String, List<String>> requestHeaders,
                    String requestBody, int status, String responseContentType, String responseBody) {
    }
}
