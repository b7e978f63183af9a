package io.baton.security;

import io.baton.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Who sends the current request, from the verified bearer token: {@code sub} (or {@code upn}), the {@code team}
 * claim, and the {@code groups} that carry Baton's roles.
 */
@RequestScoped
public class Caller {

    /** May change every team's rules. */
    public static final String ADMIN = "baton-admin";
    /** May change the rules of the team in its {@code team} claim. */
    public static final String WRITER = "baton-writer";
    public static final String TEAM_CLAIM = "team";

    @Inject
    SecurityIdentity identity;

    public String name() {
        return identity.isAnonymous() ? "anonymous" : identity.getPrincipal().getName();
    }

    /** The token's team, or null without one. */
    public String team() {
        return identity.getPrincipal() instanceof JsonWebToken jwt ? jwt.getClaim(TEAM_CLAIM) : null;
    }

    public boolean isAdmin() {
        return identity.hasRole(ADMIN);
    }

    /** Whether the caller is an admin or a writer of {@code team}. */
    public boolean isWriterOf(String team) {
        return isAdmin() || (identity.hasRole(WRITER) && team != null && team.equals(team()));
    }

    /** Fails with 403 unless the caller is an admin or a writer of {@code team}. */
    public void requireWriterOf(String team) {
        if (isWriterOf(team)) {
            return;
        }
        throw ProblemException.forbidden("only an admin or a writer of team '" + team + "' may change this rule");
    }
}
