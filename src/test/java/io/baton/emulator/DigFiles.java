package io.baton.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** .dig files of the test resources, read as JSON for {@link EmulatedProject#workflow(String, ObjectNode)}. */
public final class DigFiles {

    /** The push-mode snippet of README.md and docs/push-mode.md: notifies after +load and in _error. */
    public static final String NOTIFYING_ETL = "push-mode/etl.dig";

    private static final YAMLMapper YAML = new YAMLMapper();

    private DigFiles() {
    }

    public static ObjectNode read(String resource) {
        try (InputStream in = DigFiles.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectNode parse(String yaml) {
        try {
            return (ObjectNode) YAML.readTree(yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The snippet with its one placeholder, the URL of Baton's notifications, replaced as a team would. */
    public static ObjectNode notifyingEtl(String notificationsUrl) {
        ObjectNode dig = read(NOTIFYING_ETL);
        ((ObjectNode) dig.get("_export")).put("baton", notificationsUrl);
        return dig;
    }
}
