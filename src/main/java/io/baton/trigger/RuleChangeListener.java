package io.baton.trigger;

import io.agroal.api.AgroalDataSource;
import io.baton.rules.RulesChanged;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.Statement;

/** Rebuilds the rule index when another replica changes a rule ({@code LISTEN baton_rules}). */
@ApplicationScoped
public class RuleChangeListener {

    private static final Logger LOG = Logger.getLogger(RuleChangeListener.class);

    @Inject
    AgroalDataSource dataSource;

    @Inject
    RuleIndex index;

    private volatile boolean running;
    private Thread thread;

    void start(@Observes StartupEvent event) {
        running = true;
        thread = new Thread(this::listen, "baton-rule-listener");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void listen() {
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + RulesChanged.CHANNEL);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                // Changes made while no one listened (start, reconnect) are picked up by this rebuild.
                index.rebuild();
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(1000);
                    if (notifications != null && notifications.length > 0) {
                        index.rebuild();
                    }
                }
            } catch (Exception e) {
                if (running) {
                    LOG.warnf("listening for rule changes failed, reconnecting: %s", e.getMessage());
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            }
        }
    }
}
