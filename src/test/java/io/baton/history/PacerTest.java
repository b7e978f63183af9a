package io.baton.history;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
class PacerTest {

    @Test
    void spacesCallsAtTheRateWithoutRejectingAny() {
        Pacer pacer = new Pacer(40);
        long start = System.nanoTime();
        for (int i = 0; i < 21; i++) {
            pacer.await();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        // 21 calls at 40 a second: the first at once, then one every 25 ms, never sooner.
        assertThat(seconds).isGreaterThanOrEqualTo(0.5);
        assertThatThrownBy(() -> new Pacer(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
