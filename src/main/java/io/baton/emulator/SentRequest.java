package io.baton.emulator;

import java.util.Map;

/** A request an {@code http>} task of the emulator sent, as it went out: headers in order, the body as text. */
public record SentRequest(String task, String method, String uri, Map<String, String> headers, String body) {

    public SentRequest {
        headers = Map.copyOf(headers);
    }
}
