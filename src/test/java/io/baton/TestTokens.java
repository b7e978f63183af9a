package io.baton;

import io.baton.security.Caller;
import io.smallrye.jwt.build.Jwt;

import java.util.Set;

/** Bearer tokens signed with the per-run test key of {@link BatonTestServices.TestKeys}. */
public final class TestTokens {

    private TestTokens() {
    }

    /** May change the rules of {@code team}. */
    public static String writer(String team) {
        return token(team + "-writer", team, Set.of(Caller.WRITER));
    }

    /** May change every rule. */
    public static String admin() {
        return token("platform-admin", "platform", Set.of(Caller.ADMIN));
    }

    /** A valid token without any Baton role: may read only. */
    public static String reader() {
        return token("someone", "marketing", Set.of());
    }

    public static String token(String subject, String team, Set<String> groups) {
        var claims = Jwt.issuer(BatonTestServices.TestKeys.ISSUER).subject(subject).upn(subject).groups(groups);
        if (team != null) {
            claims.claim(Caller.TEAM_CLAIM, team);
        }
        return claims.expiresIn(600).sign();
    }
}
