package io.baton.security;

import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.baton.rules.RulesTestProfile;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.smallrye.jwt.build.Jwt;
import org.junit.jupiter.api.Test;

import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
@TestProfile(RulesTestProfile.class)
class RulesSecurityTest {

    private static Map<String, Object> rule(String name, String team) {
        return Map.of("name", name, "team", team,
                "upstreams", List.of(Map.of("digdag", Map.of("server", "main", "project", "game", "workflow", "etl"))),
                "action", Map.of("server", "main", "project", team, "workflow", "report"));
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void withoutAValidTokenEverythingButOperationsEndpointsIs401() throws Exception {
        given().get("/api/v1/rules").then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("status", is(401));
        given().contentType(ContentType.JSON).body(rule(unique("anon"), "bi")).post("/api/v1/rules").then()
                .statusCode(401);
        given().get("/api/v1/graph").then().statusCode(401);

        String otherKey = Jwt.issuer(BatonTestServices.TestKeys.ISSUER).subject("mallory").claim("team", "bi")
                .groups(Set.of(Caller.ADMIN))
                .sign(KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate());
        String expired = Jwt.issuer(BatonTestServices.TestKeys.ISSUER).subject("late").groups(Set.of(Caller.ADMIN))
                .issuedAt(Instant.now().minusSeconds(7200)).expiresAt(Instant.now().minusSeconds(3600)).sign();
        String otherIssuer = Jwt.issuer("https://elsewhere").subject("x").groups(Set.of(Caller.ADMIN)).sign();
        for (String token : List.of("not-a-jwt", otherKey, expired, otherIssuer)) {
            given().auth().oauth2(token).get("/api/v1/rules").then().statusCode(401)
                    .contentType("application/problem+json");
        }

        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200);
    }

    @Test
    void readersMayReadButNotWrite() {
        String name = unique("read");
        given().auth().oauth2(TestTokens.writer("bi")).contentType(ContentType.JSON).body(rule(name, "bi"))
                .post("/api/v1/rules").then().statusCode(201);
        given().auth().oauth2(TestTokens.reader()).get("/api/v1/rules/" + name).then().statusCode(200);
        given().auth().oauth2(TestTokens.reader()).contentType(ContentType.JSON).body(rule(unique("r"), "marketing"))
                .post("/api/v1/rules").then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(TestTokens.reader()).delete("/api/v1/rules/" + name).then().statusCode(403);
        // A writer role without a team claim writes nothing.
        String teamless = TestTokens.token("nobody", null, Set.of(Caller.WRITER));
        given().auth().oauth2(teamless).contentType(ContentType.JSON).body(rule(unique("t"), "bi"))
                .post("/api/v1/rules").then().statusCode(403);
    }

    @Test
    void aTeamChangesOnlyItsOwnRulesAndAdminsChangeAll() {
        String name = unique("bi-own");
        String bi = TestTokens.writer("bi");
        String game = TestTokens.writer("game");
        given().auth().oauth2(bi).contentType(ContentType.JSON).body(rule(name, "bi")).post("/api/v1/rules").then()
                .statusCode(201).body("createdBy", equalTo("bi-writer"));

        given().auth().oauth2(game).contentType(ContentType.JSON).body(rule(unique("for-bi"), "bi"))
                .post("/api/v1/rules").then().statusCode(403)
                .body("detail", containsString("team 'bi'"));
        given().auth().oauth2(game).contentType(ContentType.JSON).body(rule(name, "game"))
                .put("/api/v1/rules/" + name).then().statusCode(403);
        given().auth().oauth2(game).contentType(ContentType.JSON).body(Map.of("enabled", false))
                .patch("/api/v1/rules/" + name).then().statusCode(403);
        given().auth().oauth2(game).delete("/api/v1/rules/" + name).then().statusCode(403);
        // Nor can a team hand its rule to another team.
        given().auth().oauth2(bi).contentType(ContentType.JSON).body(rule(name, "game"))
                .put("/api/v1/rules/" + name).then().statusCode(403);
        given().auth().oauth2(bi).get("/api/v1/rules/" + name).then().statusCode(200)
                .body("team", equalTo("bi")).body("enabled", is(true)).body("version", is(0));

        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(rule(name, "game"))
                .put("/api/v1/rules/" + name).then().statusCode(200)
                .body("team", equalTo("game")).body("updatedBy", equalTo("platform-admin"));
        given().auth().oauth2(game).delete("/api/v1/rules/" + name).then().statusCode(204);
    }
}
