package io.baton.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.baton.digdag.client.DigdagEndpoint;
import io.baton.digdag.client.DigdagJson;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The emulator's HTTP side: listens (the JDK's server), routes each request to its {@link DigdagEndpoint}, counts
 * it, applies the injected {@link EmulatorFaults}, has {@link EmulatorApi} answer it and, with a contract check,
 * answers a 500 naming what breaks the contract.
 */
final class EmulatorServer {

    private static final Logger LOG = Logger.getLogger(EmulatorServer.class);

    static {
        // Without TCP_NODELAY the JDK server's separate header and body writes wait for the client's delayed ACK:
        // every answer took ~40 ms more than a real Digdag's. Read once, when the JDK's first HttpServer starts.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final EmulatorOptions options;
    private final EmulatorApi api;
    private final EmulatorFaults faults = new EmulatorFaults(this::refuseConnections);
    private final RequestCounts counts = new RequestCounts();
    private final ObjectMapper mapper = DigdagJson.mapper();
    private final ExecutorService handlers;
    private final ScheduledExecutorService timer;
    private HttpServer server;
    private ScheduledFuture<?> reopening;
    private int port;
    private boolean closed;

    /** @param timer reopens the port after refused connections */
    EmulatorServer(EmulatorOptions options, String name, EmulatorApi api, ScheduledExecutorService timer) {
        this.options = options;
        this.api = api;
        this.timer = timer;
        this.port = options.port();
        this.handlers = Executors.newFixedThreadPool(options.threads(), daemon(name + "-http"));
    }

    int port() {
        return port;
    }

    EmulatorFaults faults() {
        return faults;
    }

    RequestCounts counts() {
        return counts;
    }

    synchronized void close() {
        closed = true;
        if (reopening != null) {
            reopening.cancel(false);
        }
        if (server != null) {
            server.stop(0);
            server = null;
        }
        handlers.shutdownNow();
    }

    synchronized void listen() throws IOException {
        if (closed || server != null) {
            return;
        }
        HttpServer listening = HttpServer.create(new InetSocketAddress(options.host(), port), 256);
        listening.createContext("/", this::handle);
        listening.setExecutor(handlers);
        listening.start();
        server = listening;
        port = listening.getAddress().getPort();
    }

    private synchronized void refuseConnections(Duration duration) {
        if (reopening != null) {
            reopening.cancel(false);
        }
        if (server != null) {
            server.stop(0);
            server = null;
        }
        reopening = timer.schedule(this::reopen, duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void reopen() {
        try {
            listen();
        } catch (IOException e) {
            LOG.warnf("the emulator cannot listen on port %d again yet (%s); trying again", port, e.getMessage());
            synchronized (this) {
                reopening = timer.schedule(this::reopen, 100, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            byte[] requestBody = exchange.getRequestBody().readAllBytes();
            Optional<Route> route = route(method, path);
            String endpoint = route.map(r -> r.endpoint().key()).orElse(method + " " + path);
            counts.count(endpoint, method, path);

            Duration delay = faults.delay(endpoint);
            if (!delay.isZero()) {
                pause(delay);
            }
            Optional<Integer> injected = faults.takeError(endpoint);
            if (injected.isPresent()) {
                respond(exchange, injected.get(), error(injected.get(), "emulated fault"));
                return;
            }
            Answer answer = answer(route, exchange.getRequestURI().getRawQuery(), requestBody);
            if (options.check() != null) {
                answer = checked(exchange, requestBody, answer);
            }
            respond(exchange, answer.status(), answer.body());
        }
    }

    private Answer answer(Optional<Route> route, String rawQuery, byte[] body) {
        if (route.isEmpty()) {
            return new Answer(404, error(404, "HTTP 404 Not Found"));
        }
        try {
            EmulatorApi.Reply reply = api.answer(route.get().endpoint(), route.get().values(), query(rawQuery), body);
            return new Answer(reply.status(), mapper.writeValueAsBytes(reply.body()));
        } catch (ApiError e) {
            return new Answer(e.status, e.getMessage() == null ? new byte[0] : error(e.status, e.getMessage()));
        } catch (JsonProcessingException | RuntimeException e) {
            LOG.error("the emulator failed to answer", e);
            return new Answer(500, error(500, e.toString()));
        }
    }

    private Answer checked(HttpExchange exchange, byte[] requestBody, Answer answer) {
        Map<String, List<String>> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values));
        List<String> problems = options.check().check(new ExchangeCheck.Exchange(exchange.getRequestMethod(),
                exchange.getRequestURI().getRawPath(), exchange.getRequestURI().getRawQuery(), headers,
                new String(requestBody, StandardCharsets.UTF_8), answer.status(), "application/json",
                new String(answer.body(), StandardCharsets.UTF_8)));
        if (problems.isEmpty()) {
            return answer;
        }
        String message = "emulator contract check failed for " + exchange.getRequestMethod() + " "
                + exchange.getRequestURI() + ": " + String.join("; ", problems);
        LOG.error(message);
        return new Answer(500, error(500, message));
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private byte[] error(int status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", message);
        body.put("status", status);
        try {
            return mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Optional<Route> route(String method, String path) {
        for (DigdagEndpoint endpoint : DigdagEndpoint.values()) {
            Optional<List<String>> values = endpoint.match(method, path);
            if (values.isPresent()) {
                return Optional.of(new Route(endpoint, values.get()));
            }
        }
        return Optional.empty();
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.putIfAbsent(name, value);
            }
        }
        return query;
    }

    /** Sub-millisecond exact (a per-call cost of 3.5 ms must not become 3 ms). */
    private static void pause(Duration delay) {
        long deadline = System.nanoTime() + delay.toNanos();
        for (long left = delay.toNanos(); left > 0 && !Thread.currentThread().isInterrupted();
             left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    static ThreadFactory daemon(String name) {
        AtomicInteger number = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private record Route(DigdagEndpoint endpoint, List<String> values) {
    }

    private record Answer(int status, byte[] body) {
    }
}
