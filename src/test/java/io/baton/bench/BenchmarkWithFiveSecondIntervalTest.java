package io.baton.bench;

import io.baton.BatonTestServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.List;

/** Benchmark 1 again with Digdag polled every 5 s. */
@QuarkusTest
@TestProfile(BenchProfile.FiveSeconds.class)
@QuarkusTestResource(BatonTestServices.class)
class BenchmarkWithFiveSecondIntervalTest extends BenchBase {

    @Test
    void triggerLatencyAtFiveSeconds() {
        triggerLatency("warm-5s", 20);
        drain();
        Latencies latencies = triggerLatency("lat-5s", 200);
        drain();
        BenchReport.publish("1b-latency-5s",
                List.of(new BenchReport.Row("1. Trigger latency, 5 s interval", latencies.summary(), "none set", null)),
                """
                #### 1b. Trigger latency at a 5 s poll interval

                The same run as 1 with `baton.watch.interval=5s`.

                | Poll interval | Triggers | p50 | p95 | p99 | max |
                |---|---|---|---|---|---|
                """ + latencies.tableRow("5 s") + "\nWhere the time goes, at 5 s:\n\n" + latencies.stageTable());
    }
}
