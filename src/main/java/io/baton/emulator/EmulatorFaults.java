package io.baton.emulator;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** Faults the emulator injects for tests: error answers, latency, refused connections. */
public final class EmulatorFaults {

    private final AtomicReference<Integer> errorStatus = new AtomicReference<>();
    private final AtomicInteger errorsLeft = new AtomicInteger();
    private final AtomicReference<Duration> latency = new AtomicReference<>(Duration.ZERO);
    private final Map<String, Duration> perCallCost = new ConcurrentHashMap<>();
    private final Map<String, EndpointError> endpointErrors = new ConcurrentHashMap<>();
    private final Consumer<Duration> refuser;

    EmulatorFaults(Consumer<Duration> refuser) {
        this.refuser = refuser;
    }

    /** The next {@code times} requests are answered with {@code status} (e.g. 500 or 503) and a Digdag error body. */
    public EmulatorFaults respondWith(int status, int times) {
        errorStatus.set(status);
        errorsLeft.set(times);
        return this;
    }

    /** The next {@code times} requests to one endpoint ({@code "POST /api/schedules/{id}/disable"}) get {@code status}. */
    public EmulatorFaults respondWith(String endpoint, int status, int times) {
        endpointErrors.put(endpoint, new EndpointError(status, new AtomicInteger(times)));
        return this;
    }

    /** Every request waits this long before it is answered. */
    public EmulatorFaults latency(Duration latency) {
        this.latency.set(latency);
        return this;
    }

    /** Requests to one endpoint ({@code "GET /api/attempts/{id}/tasks"}) take this much longer, like a busy DB. */
    public EmulatorFaults perCallCost(String endpoint, Duration cost) {
        perCallCost.put(endpoint, cost);
        return this;
    }

    /**
     * Closes the listening socket, and every open connection, for {@code duration}: connections are refused, not
     * just left unanswered. The emulator listens again on the same port afterwards.
     */
    public EmulatorFaults refuseConnections(Duration duration) {
        refuser.accept(duration);
        return this;
    }

    /** Removes every fault (a refused port opens again at its time). */
    public EmulatorFaults clear() {
        errorsLeft.set(0);
        latency.set(Duration.ZERO);
        perCallCost.clear();
        endpointErrors.clear();
        return this;
    }

    /** The injected error status for a request to this endpoint, if any is left. */
    Optional<Integer> takeError(String endpoint) {
        EndpointError error = endpointErrors.get(endpoint);
        if (error != null && error.left().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return Optional.of(error.status());
        }
        int left = errorsLeft.getAndUpdate(n -> Math.max(0, n - 1));
        return left > 0 ? Optional.of(errorStatus.get()) : Optional.empty();
    }

    private record EndpointError(int status, AtomicInteger left) {
    }

    Duration delay(String endpoint) {
        return latency.get().plus(perCallCost.getOrDefault(endpoint, Duration.ZERO));
    }
}
