package io.baton;

import io.quarkus.test.junit.callback.QuarkusTestBeforeClassCallback;

/**
 * Before every {@code @QuarkusTest} class (registered in {@code META-INF/services}): the shared emulator is reset, so
 * no test class sees projects, running attempts, schedules, faults or request counts of one that ran before it.
 */
public class EmulatorReset implements QuarkusTestBeforeClassCallback {

    @Override
    public void beforeClass(Class<?> testClass) {
        BatonTestServices.resetEmulator();
    }
}
