package io.baton.persistence;

import jakarta.persistence.PersistenceException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.DateTimeException;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
class TransientFailuresTest {

    private static RuntimeException fromHibernate(SQLException cause) {
        return new PersistenceException("could not execute statement", cause);
    }

    @Test
    void connectionLossRestartsSerializationFailuresAndDeadlocksAreTriedAgain() {
        for (String state : new String[] {"08006", "08001", "57P01", "57P03", "40001", "40P01"}) {
            assertThat(TransientFailures.isTransient(fromHibernate(new SQLException("failed", state)))).as(state).isTrue();
        }
        assertThat(TransientFailures.isTransient(fromHibernate(new SQLException("Sorry, acquisition timeout!")))).isTrue();
        assertThat(TransientFailures.isTransient(new SQLTransientConnectionException("timed out", "HY000"))).isTrue();
    }

    @Test
    void whatFailsTheSameWayEveryTimeIsNot() {
        for (String state : new String[] {"23505", "22001", "22P05", "42P01"}) {
            assertThat(TransientFailures.isTransient(fromHibernate(new SQLException("failed", state)))).as(state).isFalse();
        }
        assertThat(TransientFailures.isTransient(new DateTimeException("Invalid value for Year"))).isFalse();
        assertThat(TransientFailures.isTransient(new PersistenceException("no SQL cause"))).isFalse();
    }
}
