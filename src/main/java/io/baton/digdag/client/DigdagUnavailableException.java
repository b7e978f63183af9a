package io.baton.digdag.client;

/**
 * No usable answer after every try: I/O errors, timeouts or 5xx. Worth trying again later; {@code status} is the
 * last 5xx, or 0 after an I/O error or timeout.
 */
public class DigdagUnavailableException extends DigdagException {

    public DigdagUnavailableException(int status, String message, Throwable cause) {
        super(status, message, cause);
    }
}
