package io.baton.demo;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
class DemoClockTest {

    private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");

    @Test
    void theLastDaysDeadlineIsAWholeWallClockSecondOnThatDaysDate() {
        Instant now = Instant.parse("2026-11-25T03:40:43.123456Z");
        DemoClock clock = DemoClock.plan(now, 2, 1440);

        Instant deadline = clock.at(1, DemoScenario.DEADLINE);
        assertThat(deadline.getNano()).isZero();
        assertThat(clock.start()).isAfter(now);
        assertThat(clock.deadlineWallTime()).isEqualTo(LocalTime.ofInstant(deadline, TOKYO).toString());
        assertThat(clock.date(1)).isEqualTo(deadline.atZone(TOKYO).toLocalDate());
        assertThat(clock.date(0)).isEqualTo(clock.date(1).minusDays(1));
    }

    @Test
    void aSimulatedHourTakesTwoAndAHalfSecondsAndEachDayShowsTenHours() {
        DemoClock clock = DemoClock.plan(Instant.parse("2026-11-25T03:00:00Z"), 2, 1440);

        assertThat(clock.dayLength()).isEqualTo(Duration.ofSeconds(25));
        assertThat(clock.day(clock.start().minusMillis(1))).isEqualTo(-1);
        assertThat(clock.day(clock.start())).isZero();
        assertThat(clock.timeOfDay(clock.start().plusMillis(2500))).isEqualTo(LocalTime.of(1, 0));
        assertThat(clock.day(clock.start().plusSeconds(25))).isEqualTo(1);
        assertThat(clock.timeOfDay(clock.at(1, LocalTime.of(6, 45)))).isEqualTo(LocalTime.of(6, 45));
        assertThat(clock.end()).isEqualTo(clock.start().plusSeconds(50));
        assertThat(clock.day(clock.end().plusSeconds(5))).isEqualTo(1);
    }

    @Test
    void aDeadlineAfterMidnightInTokyoMakesTheNewDateTheLastDay() {
        // 14:59:50 UTC is 23:59:50 in Tokyo; the deadline (07:00 comes 17.5 s later on the clock) falls after
        // midnight, when Baton's "today" is the next date.
        DemoClock clock = DemoClock.plan(Instant.parse("2026-11-25T14:59:50Z"), 1, 1440);

        assertThat(clock.date(0)).isEqualTo(LocalDate.of(2026, 11, 26));
        assertThat(clock.at(0, DemoScenario.DEADLINE).atZone(TOKYO).toLocalDate()).isEqualTo(clock.date(0));
    }
}
