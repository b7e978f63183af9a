package io.baton.digdag.client;

/** Digdag answered 404: an unknown id or name. */
public class DigdagNotFoundException extends DigdagException {

    public DigdagNotFoundException(String message) {
        super(404, message);
    }
}
