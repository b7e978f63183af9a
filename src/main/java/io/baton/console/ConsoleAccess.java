package io.baton.console;

import io.baton.security.Caller;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/**
 * Who looks at the console: signed in when the session cookie (or a bearer header) holds a valid token. A cookie
 * whose token expired or no longer verifies counts as not signed in, so the browser gets the sign-in form instead
 * of an error.
 */
@RequestScoped
public class ConsoleAccess {

    @Inject
    SecurityIdentity identity;

    @Inject
    Caller caller;

    @Inject
    ConsoleConfig config;

    private Boolean signedIn;

    public boolean signedIn() {
        if (signedIn == null) {
            try {
                signedIn = !identity.isAnonymous();
            } catch (AuthenticationFailedException e) {
                signedIn = false;
            }
        }
        return signedIn;
    }

    /** Rules and events are shown to signed-in browsers, and to anyone with {@code baton.console.anonymous-read}. */
    public boolean mayRead() {
        return config.anonymousRead() || signedIn();
    }

    /** Whether the fire-now and retry buttons of a rule of {@code team} are shown (and accepted). */
    public boolean mayAct(String team) {
        return signedIn() && caller.isWriterOf(team);
    }

    /** The signed-in name, or null. */
    public String name() {
        return signedIn() ? caller.name() : null;
    }
}
