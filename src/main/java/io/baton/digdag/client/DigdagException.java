package io.baton.digdag.client;

/** Digdag answered with an error. {@code status} is the HTTP status, or 0 when no answer came at all. */
public class DigdagException extends RuntimeException {

    private final int status;

    public DigdagException(int status, String message) {
        super(message);
        this.status = status;
    }

    public DigdagException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
