package io.baton.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The baseline Baton replaces: one poller per rule, each asking Digdag for its upstream's status once per interval,
 * as a polling CLI or Digdag's {@code require>} (at its 10 s back-off cap) does. Starts spread evenly over an interval.
 */
final class PerRulePollers implements AutoCloseable {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ScheduledExecutorService executor;

    /** @param paths one status path per rule, e.g. {@code /api/attempts/42/tasks} */
    PerRulePollers(String baseUrl, List<String> paths, Duration interval) {
        AtomicInteger threads = new AtomicInteger();
        executor = Executors.newScheduledThreadPool(4, runnable -> {
            Thread thread = new Thread(runnable, "bench-poller-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        long period = interval.toNanos();
        for (int i = 0; i < paths.size(); i++) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + paths.get(i))).GET().build();
            executor.scheduleAtFixedRate(() -> poll(request), period * i / paths.size(), period, TimeUnit.NANOSECONDS);
        }
    }

    private void poll(HttpRequest request) {
        try {
            http.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (Exception e) {
            // a poller that fails simply polls again next interval
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
