package io.baton.health;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.sql.SQLException;

/**
 * Readiness of PostgreSQL, in place of Quarkus' own check, which waits for a connection as long as the pool's
 * acquisition timeout while the server is down.
 */
@Readiness
@ApplicationScoped
public class DatabaseReadiness implements HealthCheck {

    private static final String NAME = "PostgreSQL";

    @Inject
    AgroalDataSource dataSource;

    @Inject
    HealthConfig config;

    private final BoundedCheck check = new BoundedCheck(NAME, this::validate);

    @Override
    public HealthCheckResponse call() {
        return check.call(config.timeout());
    }

    private HealthCheckResponse validate() {
        try {
            return HealthCheckResponse.named(NAME).status(dataSource.isHealthy(false)).build();
        } catch (SQLException e) {
            return HealthCheckResponse.named(NAME).down().withData("reason", e.getMessage()).build();
        }
    }
}
