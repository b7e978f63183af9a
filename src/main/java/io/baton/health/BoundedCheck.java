package io.baton.health;

import org.eclipse.microprofile.health.HealthCheckResponse;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs a blocking check (a JDBC connection, a Kafka request) on its own thread and waits for it no longer than the
 * timeout, so that a probe answers in time while what it checks hangs. A check still running from an earlier probe is
 * waited on again rather than started twice, so a hung dependency never piles up threads. Hand-written: SmallRye
 * Health has no per-check timeout.
 */
final class BoundedCheck {

    private final String name;
    private final Supplier<HealthCheckResponse> check;
    private final Executor executor;
    private CompletableFuture<HealthCheckResponse> running;

    BoundedCheck(String name, Supplier<HealthCheckResponse> check) {
        this.name = name;
        this.check = check;
        this.executor = task -> {
            Thread thread = new Thread(task, "baton-health-" + name.toLowerCase().replace(' ', '-'));
            thread.setDaemon(true);
            thread.start();
        };
    }

    HealthCheckResponse call(Duration timeout) {
        CompletableFuture<HealthCheckResponse> current = start();
        try {
            return current.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return down("no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            return down(String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return down("interrupted");
        }
    }

    private synchronized CompletableFuture<HealthCheckResponse> start() {
        if (running == null || running.isDone()) {
            running = CompletableFuture.supplyAsync(check, executor);
        }
        return running;
    }

    private HealthCheckResponse down(String reason) {
        return HealthCheckResponse.named(name).down().withData("reason", reason).build();
    }
}
