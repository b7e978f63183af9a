package io.baton.history;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Spaces calls evenly, a little under {@code perSecond} a second, waiting (not failing) for a call's turn. Hand-written:
 * SmallRye Fault Tolerance's {@code @RateLimit} rejects calls over the limit instead of delaying them, and Baton
 * has no other rate limiter on its classpath; a history read must slow down, not fail.
 */
public final class Pacer {

    private final long intervalNanos;
    private long nextSlot = System.nanoTime();

    public Pacer(double perSecond) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("requests per second must be positive: " + perSecond);
        }
        // 1 % slower than asked: a request's time on the wire varies by milliseconds, and the server's count of
        // requests per second must stay under the setting.
        this.intervalNanos = (long) (Duration.ofSeconds(1).toNanos() * 1.01 / perSecond);
    }

    /** Waits until the next call may go. */
    public void await() {
        long slot;
        synchronized (this) {
            slot = Math.max(nextSlot, System.nanoTime());
            nextSlot = slot + intervalNanos;
        }
        for (long left = slot - System.nanoTime(); left > 0; left = slot - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("interrupted while pacing calls to Digdag");
            }
        }
    }
}
