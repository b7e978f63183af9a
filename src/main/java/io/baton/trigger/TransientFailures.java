package io.baton.trigger;

import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.Set;

/**
 * Which failures are worth trying again: PostgreSQL unreachable or restarting, a serialization failure or a deadlock.
 * Anything else (a constraint, a value PostgreSQL refuses, a bug) fails the same way every time. PostgreSQL gives
 * every error it raises a SQL state, so a SQLException without one comes from the client side: the pool's acquisition
 * timeout while the server is down, which is transient too.
 */
final class TransientFailures {

    /** Serialization failure, deadlock, and the server shutting down or starting (a restart or failover). */
    private static final Set<String> RETRYABLE_STATES = Set.of("40001", "40P01", "57P01", "57P02", "57P03");

    private TransientFailures() {
    }

    static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException) {
                return true; // a connection or acquisition timeout, whatever its state
            }
            if (t instanceof SQLException sql && (sql.getSQLState() == null || sql.getSQLState().startsWith("08")
                    || RETRYABLE_STATES.contains(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }
}
