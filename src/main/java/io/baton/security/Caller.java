package io.baton.security;

import io.baton.problem.InputLimits;
import io.baton.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonString;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.Collection;
import java.util.List;

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
    /** May tell Baton that something ended on a Digdag server (push mode); may not change rules. */
    public static final String NOTIFIER = "baton-notifier";
    public static final String TEAM_CLAIM = "team";

    @Inject
    SecurityIdentity identity;

    /** Longest subject or team Baton records (the audit columns). */
    private static final int MAX_CLAIM = 200;

    /** The token's subject; one Baton could not record (too long, control characters) is a 403. */
    public String name() {
        if (identity.isAnonymous()) {
            return "anonymous";
        }
        String name = identity.getPrincipal().getName();
        if (!recordable(name)) {
            throw ProblemException.forbidden("the token's subject must be at most " + MAX_CLAIM
                    + " characters without control characters");
        }
        return name;
    }

    /** The token's team, or null without one; a team claim that is not a string is a 403, not a guess. */
    public String team() {
        Object team = teamClaim();
        if (team == null || (team instanceof String text && recordable(text))) {
            return (String) team;
        }
        throw ProblemException.forbidden("the token's '" + TEAM_CLAIM + "' claim must be a string of at most "
                + MAX_CLAIM + " characters without control characters");
    }

    /** The token's team for the record: null when there is none or it is not a valid one. */
    public String teamIfValid() {
        return teamClaim() instanceof String team && recordable(team) ? team : null;
    }

    private static boolean recordable(String claim) {
        return claim != null && claim.length() <= MAX_CLAIM && InputLimits.badCharacters(claim, false) == null;
    }

    private Object teamClaim() {
        if (!(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return null;
        }
        Object team = jwt.getClaim(TEAM_CLAIM);
        return team instanceof JsonString text ? text.getString() : team;
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
        requireWriterOfAny(team == null ? List.of() : List.of(team), "change this rule");
    }

    /**
     * Fails with 403 unless the caller is an admin or a writer of one of {@code teams}, and has a subject Baton can
     * record; {@code action} completes the message "only ... may".
     */
    public void requireWriterOfAny(Collection<String> teams, String action) {
        name();
        if (isAdmin()) {
            return;
        }
        String team = identity.hasRole(WRITER) ? team() : null;
        if (team != null && teams.contains(team)) {
            return;
        }
        throw ProblemException.forbidden(teams.isEmpty() ? "only an admin may " + action
                : "only an admin or a writer of team " + String.join(" or ", teams.stream().map(t -> "'" + t + "'")
                .toList()) + " may " + action);
    }
}
