package io.baton.emulator;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Optional;

/** Starts the in-app emulator at boot when {@code baton.emulator.enabled=true}, on the automatic drive. */
@ApplicationScoped
public class EmulatorLauncher {

    private static final Logger LOG = Logger.getLogger(EmulatorLauncher.class);

    @Inject
    EmulatorConfig config;

    private volatile DigdagEmulator emulator;

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        emulator = DigdagEmulator.start(EmulatorOptions.defaults().withHost(config.host()).withPort(config.port()));
        emulator.automatic(AutoDrive.tasksTake(config.taskDuration()).withFailureRate(config.failureRate()));
        LOG.infof("Digdag API emulator listening on %s", emulator.url());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (emulator != null) {
            emulator.close();
        }
    }

    /** The running in-app emulator, if enabled. */
    public Optional<DigdagEmulator> emulator() {
        return Optional.ofNullable(emulator);
    }
}
