package io.baton.digdag.rest;

import io.baton.BatonTestServices;
import io.baton.Rows;
import io.baton.TestTokens;
import io.baton.emulator.DigdagEmulator;
import io.baton.problem.HostileInputProfile;
import io.baton.problem.Problem;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.UUID;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/** Start and retry act on a project's team's work: its writers (baton.digdag.project-teams) and admins only. */
@QuarkusTest
@TestProfile(HostileInputProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class DigdagTeamScopeTest {

    private final DigdagEmulator emulator = BatonTestServices.emulator();

    private static RequestSpecification as(String token) {
        return given().urlEncodingEnabled(false).auth().oauth2(token).contentType(ContentType.JSON);
    }

    private static String session(String project, String date) {
        return "/api/v1/digdag/main/projects/" + project + "/workflows/etl/sessions/" + date;
    }

    /** A day no other test of this JVM uses for the project. */
    private static String day() {
        return OffsetDateTime.parse("2026-01-01T00:00:00Z").plusDays(Math.floorMod(UUID.randomUUID()
                .getLeastSignificantBits(), 3000)).toLocalDate().toString();
    }

    @Test
    void writersOfTheProjectsTeamsStartAndRetryOthersAreRefused() {
        String project = HostileInputProfile.SCOPED_PROJECT;
        emulator.project(project).workflow("etl", "UTC", sequence(task("load")));
        String day = day();

        as(TestTokens.writer("bi")).post(session(project, day) + ":start").then().statusCode(403)
                .contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("'game' or 'platform'"));
        assertThat(Rows.count("caller_audit WHERE target = 'main/" + project + "/etl' AND session LIKE '" + day
                + "%'")).isZero();

        String attempt = as(TestTokens.writer("game")).post(session(project, day) + ":start").then().statusCode(201)
                .extract().path("attempt.id");
        emulator.failTask(attempt, "+etl+load", "boom");
        as(TestTokens.writer("bi")).post(session(project, day) + ":retry").then().statusCode(403);
        String retried = as(TestTokens.writer("platform")).post(session(project, day) + ":retry").then()
                .statusCode(201).extract().path("attempt.id");

        assertThat(Rows.count("caller_audit WHERE action = 'start' AND actor = 'game-writer' AND team = 'game' "
                + "AND target = 'main/" + project + "/etl' AND reference = 'attempt " + attempt + "'")).isEqualTo(1);
        assertThat(Rows.count("caller_audit WHERE action = 'retry' AND actor = 'platform-writer' "
                + "AND reference = 'attempt " + retried + "'")).isEqualTo(1);
    }

    @Test
    void anUnmappedProjectIsStartedByAdminsOnly() {
        String project = "unmapped" + UUID.randomUUID().toString().substring(0, 6);
        emulator.project(project).workflow("etl", "UTC", sequence(task("load")));
        as(TestTokens.writer("game")).post(session(project, "2026-11-24") + ":start").then().statusCode(403)
                .body("detail", containsString("only an admin may"));
        as(TestTokens.admin()).post(session(project, "2026-11-24") + ":start").then().statusCode(201);
        assertThat(Rows.count("caller_audit WHERE action = 'start' AND actor = 'platform-admin' AND target = 'main/"
                + project + "/etl'")).isEqualTo(1);
    }
}
