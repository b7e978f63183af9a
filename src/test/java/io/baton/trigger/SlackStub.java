package io.baton.trigger;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real HTTP server standing in for Slack's incoming webhooks: it records every message posted to
 * {@code /services/<hook>}, and answers 503 during an outage.
 */
public final class SlackStub {

    private static final String DEFAULT_HOOK = "hook";
    private static SlackStub instance;

    private final HttpServer server;
    private final Map<String, List<String>> messages = new ConcurrentHashMap<>();
    private final AtomicReference<Instant> outageUntil = new AtomicReference<>(Instant.EPOCH);
    private final AtomicInteger refused = new AtomicInteger();

    private SlackStub() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/services/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (Instant.now().isBefore(outageUntil.get())) {
                refused.incrementAndGet();
                exchange.sendResponseHeaders(503, -1);
            } else {
                String hook = exchange.getRequestURI().getPath().substring("/services/".length());
                messages.computeIfAbsent(hook, h -> new CopyOnWriteArrayList<>()).add(body);
                exchange.sendResponseHeaders(200, -1);
            }
            exchange.close();
        });
        server.start();
    }

    public static synchronized SlackStub get() {
        if (instance == null) {
            instance = new SlackStub();
        }
        return instance;
    }

    public String url() {
        return url(DEFAULT_HOOK);
    }

    public String url(String hook) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/services/" + hook;
    }

    public List<String> messages() {
        return messages(DEFAULT_HOOK);
    }

    public List<String> messages(String hook) {
        return List.copyOf(messages.getOrDefault(hook, List.of()));
    }

    /** Every webhook answers 503 for this long, from now. */
    public void outage(Duration duration) {
        outageUntil.set(Instant.now().plus(duration));
    }

    /** Messages answered 503 so far. */
    public int refused() {
        return refused.get();
    }
}
