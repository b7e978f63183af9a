package io.baton.persistence;

import org.jboss.logging.Logger;

import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Which failures are worth trying again: PostgreSQL unreachable or restarting, a serialization failure or a deadlock.
 * Anything else (a constraint, a value PostgreSQL refuses, a bug) fails the same way every time. PostgreSQL gives
 * every error it raises a SQL state, so a SQLException without one comes from the client side: the pool's acquisition
 * timeout while the server is down, which is transient too.
 */
public final class TransientFailures {

    private static final Logger LOG = Logger.getLogger(TransientFailures.class);

    /** Serialization failure, deadlock, and the server shutting down or starting (a restart or failover). */
    private static final Set<String> RETRYABLE_STATES = Set.of("40001", "40P01", "57P01", "57P02", "57P03");

    private TransientFailures() {
    }

    /**
     * Runs {@code work} until it succeeds, retrying transient failures with a backoff from 100 ms to 10 s, so that a
     * consumer skips no event while PostgreSQL is down; any other failure is thrown at once.
     *
     * @param what names the work in logs and in the failure, e.g. "event 42 of type ..."
     */
    public static void retryUntilDone(String what, Runnable work) {
        retryUntilDone(what, () -> {
            work.run();
            return null;
        });
    }

    /** Runs {@code work} until it succeeds, waiting 100 ms doubling to 10 s after each transient failure. */
    public static <T> T retryUntilDone(String what, Supplier<T> work) {
        long delay = 100;
        while (true) {
            try {
                return work.get();
            } catch (RuntimeException e) {
                if (!isTransient(e)) {
                    throw new IllegalStateException(what + " cannot be processed: " + e, e);
                }
                LOG.warnf("%s could not be processed, retrying in %d ms: %s", what, delay, e.getMessage());
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                delay = Math.min(delay * 2, 10_000);
            }
        }
    }

    public static boolean isTransient(Throwable e) {
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
