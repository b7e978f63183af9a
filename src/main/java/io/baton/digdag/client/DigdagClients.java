package io.baton.digdag.client;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** One {@link DigdagClient} per server configured under {@code baton.digdag.servers.<name>}. */
@ApplicationScoped
public class DigdagClients {

    private final Map<String, DigdagClient> clients = new TreeMap<>();

    @Inject
    public DigdagClients(DigdagConfig config, MeterRegistry registry) {
        config.servers().forEach((name, server) -> clients.put(name, new DigdagClient(name, server, registry)));
    }

    /** @throws IllegalArgumentException if no server has this name */
    public DigdagClient client(String serverName) {
        DigdagClient client = clients.get(serverName);
        if (client == null) {
            throw new IllegalArgumentException("unknown Digdag server '" + serverName + "'; configured: "
                    + clients.keySet());
        }
        return client;
    }

    @PreDestroy
    void close() {
        clients.values().forEach(DigdagClient::close);
    }

    public Set<String> serverNames() {
        return Set.copyOf(clients.keySet());
    }
}
