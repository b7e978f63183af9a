package io.baton.bench;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Reads what the benchmarks report: process and thread CPU time, resident memory, and Baton's own meters. Baton, the
 * emulators and the harness share one JVM, so CPU that threads of the emulators and of the harness used is
 * subtracted from the process's.
 */
final class Meters {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final MeterRegistry registry;

    Meters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Everything a window's figures are computed from, at one instant. */
    record Snapshot(long nanos, long processCpu, long harnessCpu, long cycles, double cycleNanos,
                    Map<String, Long> clientCalls, Map<String, Double> clientNanos) {
    }

    Snapshot snapshot() {
        Map<String, Long> calls = new TreeMap<>();
        Map<String, Double> nanos = new TreeMap<>();
        for (Timer timer : registry.find("baton.digdag.requests").tag("server", "main").timers()) {
            String endpoint = timer.getId().getTag("method") + " " + timer.getId().getTag("endpoint");
            calls.merge(endpoint, timer.count(), Long::sum);
            nanos.merge(endpoint, timer.totalTime(TimeUnit.NANOSECONDS), Double::sum);
        }
        Timer poll = registry.find("baton.watch.poll").tag("server", "main").timer();
        return new Snapshot(System.nanoTime(), OS.getProcessCpuTime(), harnessCpu(),
                poll == null ? 0 : poll.count(), poll == null ? 0 : poll.totalTime(TimeUnit.NANOSECONDS), calls, nanos);
    }

    /** Value of a counter, 0 before its first increment. */
    double counter(String name) {
        var counter = registry.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    double gauge(String name) {
        var gauge = registry.find(name).gauge();
        return gauge == null ? 0 : gauge.value();
    }

    /** CPU time of the threads that are not Baton's: the emulators' (HTTP and drive) and the harness's pollers. */
    private static long harnessCpu() {
        long total = 0;
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info != null && isHarness(info.getThreadName())) {
                total += Math.max(0, THREADS.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    private static boolean isHarness(String thread) {
        return thread.startsWith("digdag-emulator-") || thread.startsWith("HTTP-Dispatcher")
                || thread.startsWith("bench-");
    }

    /** Resident set size of this process, in MiB. */
    static long residentMiB() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(l -> l.startsWith("VmRSS:")).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024).orElse(-1L);
        } catch (IOException e) {
            return -1;
        }
    }

    static long heapUsedMiB() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
    }
}
