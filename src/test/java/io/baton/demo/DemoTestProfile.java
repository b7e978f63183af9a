package io.baton.demo;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

/**
 * The demo's setting inside the test app: the in-app emulator on a free port as Digdag server {@code demo} (the
 * shared emulator stays server {@code main}), deadlines checked every second, eikaiwa in push mode, and a faster
 * clock.
 */
public class DemoTestProfile implements QuarkusTestProfile {

    static final int DAYS = 2;
    private static final int EMULATOR_PORT = freePort();

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "baton.emulator.enabled", "true",
                "baton.emulator.port", String.valueOf(EMULATOR_PORT),
                "baton.digdag.servers.demo.url", "http://127.0.0.1:" + EMULATOR_PORT,
                "baton.demo.server", "demo",
                "baton.demo.days", String.valueOf(DAYS),
                "baton.demo.speed", "2500",
                "baton.trigger.deadline-check-interval", "1s",
                "baton.watch.push.workflows", DemoScenario.PUSHED);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
