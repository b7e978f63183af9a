package io.baton.emulator;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Requests the emulator received, per endpoint template and per concrete path. */
final class RequestCounts {

    private final Map<String, LongAdder> byEndpoint = new ConcurrentHashMap<>();
    /** The same per concrete path, so a test can count what concerns its own attempt. */
    private final Map<String, LongAdder> byPath = new ConcurrentHashMap<>();

    void count(String endpoint, String method, String path) {
        byEndpoint.computeIfAbsent(endpoint, e -> new LongAdder()).increment();
        byPath.computeIfAbsent(method + " " + path, e -> new LongAdder()).increment();
    }

    /** For an endpoint ({@code METHOD template}). */
    long of(String endpoint) {
        return sum(byEndpoint.get(endpoint));
    }

    /** For one concrete path. */
    long of(String method, String path) {
        return sum(byPath.get(method + " " + path));
    }

    /** Per endpoint, sorted. */
    Map<String, Long> snapshot() {
        Map<String, Long> snapshot = new TreeMap<>();
        byEndpoint.forEach((endpoint, count) -> snapshot.put(endpoint, count.sum()));
        return snapshot;
    }

    void clear() {
        byEndpoint.clear();
        byPath.clear();
    }

    private static long sum(LongAdder count) {
        return count == null ? 0 : count.sum();
    }
}
