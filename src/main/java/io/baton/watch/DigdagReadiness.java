package io.baton.watch;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness names each Digdag server, which replica polls it and, for those this replica polls, whether its last cycle
 * reached it (in words, and as the boolean {@code <server>.reachable} for programs), and when the server's attempt ids
 * were last found started again (the watcher re-baselined; the check stays up).
 */
@Readiness
@ApplicationScoped
public class DigdagReadiness implements HealthCheck {

    @Inject
    WatchService watchService;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Digdag servers").up();
        watchService.statuses().forEach((server, status) -> {
            if (!status.leader()) {
                response.withData(server, status.owner() == null ? "polled by no replica now (claimed at the next cycle)"
                        : "polled by another replica, " + status.owner());
            } else if (status.reachable()) {
                response.withData(server, "reachable, polled by this replica, " + status.owner())
                        .withData(server + ".reachable", true);
            } else {
                response.down().withData(server, "unreachable: " + status.error() + "; polled by this replica, "
                        + status.owner()).withData(server + ".reachable", false);
            }
            if (status.restartedAt() != null) {
                response.withData(server + ".restarted", "attempt ids started again; re-baselined at "
                        + status.restartedAt());
            }
        });
        return response.build();
    }
}
