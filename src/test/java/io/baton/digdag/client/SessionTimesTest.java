package io.baton.digdag.client;

import io.baton.problem.ProblemException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Session times as Digdag writes them, and as callers may write them, without Quarkus. */
@Tag("unit")
class SessionTimesTest {

    @Test
    void writtenWithTheNumericOffsetNeverZ() {
        assertThat(SessionTimes.format(OffsetDateTime.parse("2026-11-24T00:00:00Z"))).isEqualTo(
                "2026-11-24T00:00:00+00:00");
        assertThat(SessionTimes.format(OffsetDateTime.parse("2026-11-24T00:00:00.750+09:00"))).isEqualTo(
                "2026-11-24T00:00:00+09:00");
        OffsetDateTime newYork = OffsetDateTime.parse("2026-03-08T00:00:00-05:00");
        assertThat(SessionTimes.parse(SessionTimes.format(newYork))).isEqualTo(newYork);
        assertThatThrownBy(() -> SessionTimes.parse("2026-11-24")).isInstanceOf(java.time.DateTimeException.class);
    }

    @Test
    void aDateIsMidnightInTheWorkflowsZoneOnDstDaysToo() {
        SessionTimeParam spring = SessionTimeParam.parse("2026-03-29");
        assertThat(spring.in("Europe/Berlin")).isEqualTo(OffsetDateTime.parse("2026-03-29T00:00:00+01:00"));
        assertThat(SessionTimeParam.parse("2026-10-25").in("Europe/Berlin"))
                .isEqualTo(OffsetDateTime.parse("2026-10-25T00:00:00+02:00"));
        assertThat(SessionTimeParam.parse("2026-11-01").in("America/New_York"))
                .isEqualTo(OffsetDateTime.parse("2026-11-01T00:00:00-04:00"));
        assertThat(spring.in("Asia/Tokyo")).isEqualTo(OffsetDateTime.parse("2026-03-29T00:00:00+09:00"));
        assertThat(spring.in(null)).isEqualTo(OffsetDateTime.parse("2026-03-29T00:00:00Z"));
        assertThat(spring.withDatesIn(ZoneId.of("Asia/Tokyo"))).isEqualTo(spring.in("Asia/Tokyo"));
    }

    @Test
    void aTimestampKeepsItsInstantAndTakesTheWorkflowsOffset() {
        SessionTimeParam utc = SessionTimeParam.parse("2026-11-23T15:00:00Z");
        assertThat(utc.in("Asia/Tokyo")).hasToString("2026-11-24T00:00+09:00");
        // A '+' that went through form decoding arrives as a space.
        assertThat(SessionTimeParam.parse("2026-11-24T00:00:00 09:00").in("UTC")).hasToString("2026-11-23T15:00Z");
    }

    @Test
    void badInputIsA400NamingTheField() {
        assertThatThrownBy(() -> SessionTimeParam.parse("yesterday")).isInstanceOfSatisfying(ProblemException.class,
                e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.toProblem("/x").errors()).singleElement()
                            .satisfies(error -> assertThat(error.field()).isEqualTo("sessionTime"));
                });
        assertThatThrownBy(() -> SessionTimeParam.parse("from", "2026-11-24T00:00:00")).isInstanceOfSatisfying(
                ProblemException.class, e -> assertThat(e.toProblem("/x").errors().get(0).field()).isEqualTo("from"));
        assertThatThrownBy(() -> SessionTimeParam.parse("99999-01-01")).isInstanceOf(ProblemException.class);
    }
}
