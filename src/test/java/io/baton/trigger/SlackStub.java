package io.baton.trigger;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real HTTP server standing in for Slack's incoming webhook: it records every message posted to it. */
final class SlackStub {

    private static SlackStub instance;

    private final HttpServer server;
    private final List<String> messages = new CopyOnWriteArrayList<>();

    private SlackStub() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/services/hook", exchange -> {
            messages.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    static synchronized SlackStub get() {
        if (instance == null) {
            instance = new SlackStub();
        }
        return instance;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/services/hook";
    }

    List<String> messages() {
        return List.copyOf(messages);
    }
}
