package io.baton.trigger;

import io.baton.digdag.client.DigdagException;
import io.baton.digdag.client.DigdagUnavailableException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RefusedForLoadTest {

    @Test
    void tooManyAttemptsAnd429And503AreRefusalsOtherErrorsAreNot() {
        assertThat(Admission.refusedForLoad(new DigdagException(400, "main answered 400: Too many attempts running. "
                + "Limit: 100, Current: 100"))).isTrue();
        assertThat(Admission.refusedForLoad(new DigdagException(429, "main answered 429: emulated fault"))).isTrue();
        assertThat(Admission.refusedForLoad(new DigdagUnavailableException(503, "main answered 503", null))).isTrue();
        assertThat(Admission.refusedForLoad(new DigdagUnavailableException(500, "main answered 500", null))).isFalse();
        assertThat(Admission.refusedForLoad(new DigdagUnavailableException(0, "connection refused", null))).isFalse();
        assertThat(Admission.refusedForLoad(new DigdagException(400, "main answered 400: bad session_time")))
                .isFalse();
    }
}
