package io.baton.problem;

import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
class ProblemMappersTest {

    @Test
    void httpErrorsAreProblems() {
        given().auth().oauth2(TestTokens.reader()).get("/api/v1/no-such-thing").then().statusCode(404)
                .contentType("application/problem+json")
                .body("status", is(404)).body("title", equalTo("Not Found"))
                .body("instance", equalTo("/api/v1/no-such-thing"));
        given().auth().oauth2(TestTokens.admin()).delete("/api/v1/rules").then().statusCode(405)
                .contentType("application/problem+json")
                .body("status", is(405));
    }

    @Test
    void unexpectedFailuresLeakNothing() {
        given().get("/test/failing").then().statusCode(500)
                .contentType("application/problem+json")
                .body("status", is(500))
                .body("detail", equalTo("unexpected error; the server log has the details"))
                .body(not(containsString("secret")))
                .body(not(containsString("IllegalStateException")));
        given().get("/test/failing/lost-race").then().statusCode(409)
                .contentType("application/problem+json")
                .body("type", equalTo(ProblemException.CONFLICT));
    }
}
