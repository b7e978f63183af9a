package io.baton.rules;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Correlation keys and downstream sessions on ordinary days and on the days clocks change, without Quarkus. */
@Tag("unit")
class CorrelationTest {

    private static Correlation byDate(String zone, String every, String shift) {
        return new Correlation(CorrelateBy.SESSION_DATE, zone, every, shift);
    }

    private static OffsetDateTime at(String text) {
        return OffsetDateTime.parse(text);
    }

    @Test
    void sessionTimeKeysByInstantWhateverTheOffset() {
        Correlation byTime = Correlation.DEFAULT;
        assertThat(byTime.key(at("2026-11-24T00:00:00+09:00"))).isEqualTo("2026-11-23T15:00:00Z")
                .isEqualTo(byTime.key(at("2026-11-23T16:00:00+01:00")));
        assertThat(byTime.downstreamSessionTime(at("2026-11-24T00:00:00+09:00")))
                .isEqualTo(at("2026-11-23T15:00:00Z"));
    }

    @Test
    void sessionDateInTokyoIsTheDateThereNotInUtc() {
        Correlation tokyo = byDate("Asia/Tokyo", null, null);
        // 23:30 UTC on the 23rd is 08:30 on the 24th in Tokyo.
        assertThat(tokyo.key(at("2026-11-23T23:30:00Z"))).isEqualTo("2026-11-24");
        assertThat(tokyo.key(at("2026-11-24T00:00:00+09:00"))).isEqualTo("2026-11-24");
        assertThat(tokyo.downstreamSessionTime(at("2026-11-24T13:00:00+09:00")))
                .isEqualTo(at("2026-11-24T00:00:00+09:00"));
        assertThat(tokyo.upstreamSessionsOn(LocalDate.parse("2026-11-24"))).isEmpty();
        assertThat(byDate("Asia/Tokyo", "PT1H", null).upstreamSessionsOn(LocalDate.parse("2026-11-24")).orElseThrow())
                .hasSize(24).first().isEqualTo(at("2026-11-24T00:00:00+09:00"));
    }

    @Test
    void hourlyUpstreamsOnDstDaysHaveTwentyThreeOrTwentyFiveSessions() {
        Correlation berlin = byDate("Europe/Berlin", "PT1H", null);
        List<OffsetDateTime> spring = berlin.upstreamSessionsOn(LocalDate.parse("2026-03-29")).orElseThrow();
        assertThat(spring).hasSize(23);
        // 02:00 does not exist that night: 01:00+01:00 is followed by 03:00+02:00.
        assertThat(spring.subList(1, 3)).containsExactly(at("2026-03-29T01:00:00+01:00"),
                at("2026-03-29T03:00:00+02:00"));
        List<OffsetDateTime> autumn = berlin.upstreamSessionsOn(LocalDate.parse("2026-10-25")).orElseThrow();
        assertThat(autumn).hasSize(25);
        // 02:00 happens twice: first with +02:00, then with +01:00.
        assertThat(autumn.subList(2, 4)).containsExactly(at("2026-10-25T02:00:00+02:00"),
                at("2026-10-25T02:00:00+01:00"));

        Correlation newYork = byDate("America/New_York", "PT1H", null);
        assertThat(newYork.upstreamSessionsOn(LocalDate.parse("2026-03-08")).orElseThrow()).hasSize(23);
        assertThat(newYork.upstreamSessionsOn(LocalDate.parse("2026-11-01")).orElseThrow()).hasSize(25)
                .first().isEqualTo(at("2026-11-01T00:00:00-04:00"));
        assertThat(byDate("Asia/Tokyo", "PT6H", null).upstreamSessionsOn(LocalDate.parse("2026-03-29")).orElseThrow())
                .hasSize(4);
    }

    @Test
    void sessionDateAcrossDstKeysTheLocalDateAndStartsAtLocalMidnight() {
        Correlation newYork = byDate("America/New_York", null, null);
        // 03:30 UTC on 9 March is still 8 March in New York (23:30 EDT, the day clocks went forward).
        assertThat(newYork.key(at("2026-03-09T03:30:00Z"))).isEqualTo("2026-03-08");
        assertThat(newYork.downstreamSessionTime(at("2026-03-08T23:30:00-04:00")))
                .isEqualTo(at("2026-03-08T00:00:00-05:00"));
        Correlation berlin = byDate("Europe/Berlin", null, null);
        assertThat(berlin.key(at("2026-10-24T22:30:00Z"))).isEqualTo("2026-10-25");
        assertThat(berlin.downstreamSessionTime(at("2026-10-25T12:00:00+01:00")))
                .isEqualTo(at("2026-10-25T00:00:00+02:00"));
    }

    @Test
    void aCalendarShiftKeepsLocalMidnightAcrossDstAndATimeShiftKeepsTheDuration() {
        Correlation dayLater = byDate("Europe/Berlin", null, "P1D");
        assertThat(dayLater.downstreamSessionTime(at("2026-03-28T10:00:00+01:00")))
                .isEqualTo(at("2026-03-29T00:00:00+01:00"));
        // The day after the change starts at midnight again, 23 hours after the day before it.
        assertThat(dayLater.downstreamSessionTime(at("2026-03-29T10:00:00+02:00")))
                .isEqualTo(at("2026-03-30T00:00:00+02:00"));
        Correlation twentyFourHours = byDate("Europe/Berlin", null, "PT24H");
        assertThat(twentyFourHours.downstreamSessionTime(at("2026-03-29T10:00:00+02:00")))
                .isEqualTo(at("2026-03-30T01:00:00+02:00"));
        Correlation dayBefore = byDate("America/New_York", null, "-P1D");
        assertThat(dayBefore.downstreamSessionTime(at("2026-11-02T08:00:00-05:00")))
                .isEqualTo(at("2026-11-01T00:00:00-04:00"));
        Correlation sixHours = new Correlation(CorrelateBy.SESSION_TIME, "Asia/Tokyo", null, "PT6H");
        assertThat(sixHours.downstreamSessionTime(at("2026-11-24T00:00:00+09:00")))
                .isEqualTo(at("2026-11-24T06:00:00+09:00"));
        assertThat(Correlation.isTimeBased("P1DT2H")).isTrue();
        assertThat(Correlation.isTimeBased("-P1W")).isFalse();
    }
}
