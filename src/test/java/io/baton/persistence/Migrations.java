package io.baton.persistence;

import io.baton.BatonTestServices;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** What the migration tests share: a database of their own, Flyway on it, and reading one column back. */
abstract class Migrations {

    protected String database;

    @BeforeEach
    void database() {
        database = BatonTestServices.freshDatabase();
    }

    @AfterEach
    void drop() {
        BatonTestServices.dropDatabase(database);
    }

    /** Migrates the test's database up to {@code target}, or to the newest version when it is null. */
    void migrate(String target) {
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
