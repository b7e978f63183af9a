package io.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.events.TopicFollower;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

@Command(name = "events", description = "Baton's completion events on Kafka.",
        subcommands = {picocli.CommandLine.HelpCommand.class})
class EventsCommand {

    private static final List<String> TABLE_COLUMNS = List.of("time", "type", "subject", "data.sessionTime",
            "data.attemptId");

    @ParentCommand
    BatonCli cli;

    @Command(name = "tail", description = {"Follow the events topic (from now on, or --from-beginning): one "
            + "CloudEvent per line, {id, type, source, subject, time, key, data}."})
    int tail(@Option(names = "--bootstrap-servers", defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
                     description = "Kafka (env KAFKA_BOOTSTRAP_SERVERS; default ${DEFAULT-VALUE})") String servers,
             @Option(names = "--topic", defaultValue = "${env:BATON_EVENTS_TOPIC:-baton.digdag.events}",
                     description = "events topic (env BATON_EVENTS_TOPIC; default ${DEFAULT-VALUE})") String topic,
             @Option(names = "--kafka", paramLabel = "KEY=VALUE",
                     description = "a Kafka client property, e.g. security.protocol=SASL_SSL (repeatable)")
             Map<String, String> kafka,
             @Option(names = "--from-beginning", description = "start at the oldest event kept") boolean fromBeginning,
             @Option(names = "--project", description = "only events of this Digdag project") String project,
             @Option(names = "--limit", defaultValue = "0", description = "stop after this many events (0: never)")
             int limit) {
        Map<String, Object> properties = new HashMap<>();
        if (kafka != null) {
            properties.putAll(kafka);
        }
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        Output output = cli.output();
        int printed = 0;
        try (TopicFollower follower = new TopicFollower(properties, topic, fromBeginning)) {
            List<JsonNode> batch = new ArrayList<>();
            while (limit == 0 || printed < limit) {
                batch.clear();
                follower.poll(Duration.ofMillis(500), record -> batch.add(event(record)));
                for (JsonNode event : batch) {
                    if ((project == null || project.equals(event.path("data").path("project").asText()))
                            && (limit == 0 || printed < limit)) {
                        output.printLine(event, TABLE_COLUMNS);
                        printed++;
                    }
                }
            }
        }
        return BatonCli.OK;
    }

    private JsonNode event(ConsumerRecord<String, String> record) {
        ObjectNode event = cli.mapper.createObjectNode();
        for (String attribute : List.of("id", "type", "source", "subject", "time")) {
            event.put(attribute, TopicFollower.header(record, "ce_" + attribute));
        }
        event.put("key", record.key());
        try {
            event.set("data", cli.mapper.readTree(record.value()));
        } catch (IOException e) {
            event.put("data", record.value());
        }
        return event;
    }
}
