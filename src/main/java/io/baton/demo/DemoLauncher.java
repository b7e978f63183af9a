package io.baton.demo;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.URI;

/** Runs the demo at boot when {@code baton.demo.enabled=true}, and stops Baton after it unless told to stay. */
@ApplicationScoped
public class DemoLauncher {

    /** The story's lines; the demo profile prints this category bare on the console. */
    private static final Logger STORY = Logger.getLogger("io.baton.demo.story");

    @Inject
    DemoConfig config;

    @Inject
    DemoDriver driver;

    @ConfigProperty(name = "quarkus.http.port")
    int port;

    private volatile boolean shuttingDown;

    void onStart(@Observes StartupEvent event) {
        if (config.enabled()) {
            Thread thread = new Thread(this::tell, "baton-demo");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void tell() {
        int exitCode = 0;
        try {
            driver.run(URI.create("http://127.0.0.1:" + port), STORY::info);
        } catch (RuntimeException e) {
            if (shuttingDown) {
                return; // Ctrl-C: Baton is going down anyway
            }
            STORY.error("The demo failed: " + e.getMessage(), e);
            exitCode = 1;
        }
        if (!shuttingDown && (config.exitWhenDone() || exitCode != 0)) {
            Quarkus.asyncExit(exitCode);
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        shuttingDown = true;
        if (config.enabled()) {
            driver.stop();
        }
    }
}
