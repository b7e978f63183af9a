package io.baton.persistence;

import io.baton.BatonTestServices;
import org.flywaydb.core.Flyway;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** What the migration tests share: Flyway on a database of their own, and reading one column back. */
final class Migrations {

    private Migrations() {
    }

    /** Migrates {@code database} up to {@code target}, or to the newest version when it is null. */
    static void migrate(String database, String target) {
        var configuration = Flyway.configure()
                .dataSource(BatonTestServices.jdbcUrl(database), BatonTestServices.PG_USER,
                        BatonTestServices.PG_PASSWORD)
                .locations("classpath:db/migration");
        (target == null ? configuration : configuration.target(target)).load().migrate();
    }

    static List<String> strings(Statement s, String query) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rows = s.executeQuery(query)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }

    static List<Instant> instants(Statement s, String query) throws SQLException {
        List<Instant> values = new ArrayList<>();
        try (ResultSet rows = s.executeQuery(query)) {
            while (rows.next()) {
                OffsetDateTime value = rows.getObject(1, OffsetDateTime.class);
                values.add(value == null ? null : value.toInstant());
            }
        }
        return values;
    }
}
