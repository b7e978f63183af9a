package io.baton.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Stream;

/**
 * The benchmark's markdown report. Each benchmark stores its summary rows and its detail section as files under
 * {@code target/bench/parts} (test classes with different profiles run in different class loaders, so nothing is
 * kept in memory), and every update rewrites {@code target/bench/results.md} from all parts, in key order.
 */
final class BenchReport {

    static final Path DIR = Path.of("target", "bench");
    static final Path RESULTS = DIR.resolve("results.md");
    private static final Path PARTS = DIR.resolve("parts");

    /** One line of the summary table. */
    record Row(String benchmark, String figure, String target, Boolean met) {
        String markdown() {
            return "| " + benchmark + " | " + figure + " | " + target + " | "
                    + (met == null ? "—" : met ? "yes" : "**no**") + " |";
        }
    }

    private BenchReport() {
    }

    /** Stores a benchmark's rows and details under {@code key} (which orders the report), prints and rewrites it. */
    static void publish(String key, List<Row> rows, String details) {
        try {
            Files.createDirectories(PARTS);
            Files.write(PARTS.resolve(key + ".rows"), rows.stream().map(Row::markdown).toList());
            Files.writeString(PARTS.resolve(key + ".md"), details.strip() + "\n");
            String report = render();
            Files.writeString(RESULTS, report);
            System.out.println("\n" + rows.stream().map(Row::markdown).reduce("", (a, b) -> a + b + "\n") + "\n" + details);
            System.out.println("[bench] report updated: " + RESULTS.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String render() throws IOException {
        StringBuilder out = new StringBuilder("### Benchmark results\n\n")
                .append(machine()).append("\n\n")
                .append("| Benchmark | Figure | Target | Met |\n|---|---|---|---|\n");
        for (Path rows : parts(".rows")) {
            Files.readAllLines(rows).forEach(line -> out.append(line).append('\n'));
        }
        for (Path details : parts(".md")) {
            out.append('\n').append(Files.readString(details));
        }
        return out.toString();
    }

    private static List<Path> parts(String suffix) throws IOException {
        try (Stream<Path> files = Files.list(PARTS)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** Where the figures come from: date, cores, CPU model, RAM, Java and heap. */
    static String machine() {
        return "Measured " + OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES)
                + " on " + Runtime.getRuntime().availableProcessors() + " cores (" + procField("/proc/cpuinfo", "model name")
                + "), " + procField("/proc/meminfo", "MemTotal").replaceAll("\\s+", " ") + " RAM, Java "
                + System.getProperty("java.version") + ", heap limit " + Runtime.getRuntime().maxMemory() / (1 << 20)
                + " MiB (" + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-Xmx")).toList()) + "); load average " + loadAverage()
                + " (1, 5, 15 min) when this part was written: the machine is shared, so other processes compete.";
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + ", " + fields[1] + ", " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String procField(String file, String name) {
        try (Stream<String> lines = Files.lines(Path.of(file))) {
            return lines.filter(l -> l.startsWith(name)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
