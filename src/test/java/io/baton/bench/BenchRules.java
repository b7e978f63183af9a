package io.baton.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.rules.Rule;
import io.baton.rules.RuleValidator;
import io.baton.trigger.RuleIndex;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Installs thousands of rules at once. Each is checked and completed by the API's own validator, but they are written
 * in one JDBC batch and indexed once: one API call per rule re-reads every rule for the cycle check and re-indexes
 * after each commit, which would make 10,000 rules the longest part of the run. The rule JSON is the API's.
 */
final class BenchRules {

    private final DataSource dataSource;
    private final RuleValidator validator;
    private final RuleIndex index;
    private final ObjectMapper mapper;

    BenchRules(DataSource dataSource, RuleValidator validator, RuleIndex index, ObjectMapper mapper) {
        this.dataSource = dataSource;
        this.validator = validator;
        this.index = index;
        this.mapper = mapper;
    }

    /** A rule of team {@code bench} that starts {@code project/downstream} on server {@code main}. */
    static Map<String, Object> rule(String name, String project, String downstream, List<Map<String, Object>> upstreams) {
        return Map.of("name", name, "team", "bench", "upstreams", upstreams,
                "action", Map.of("server", "main", "project", project, "workflow", downstream));
    }

    /** An upstream condition on a Digdag workflow of server {@code main}, or on one of its tasks. */
    static Map<String, Object> digdag(String project, String workflow, String task) {
        Map<String, Object> upstream = new HashMap<>(Map.of("server", "main", "project", project, "workflow", workflow));
        if (task != null) {
            upstream.put("task", task);
        }
        return Map.of("digdag", upstream);
    }

    /** Replaces every rule by these and rebuilds the trigger engine's index. */
    void replaceAll(List<Map<String, Object>> rules) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (Statement delete = connection.createStatement()) {
                delete.execute("DELETE FROM rules");
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO rules (name, team, enabled, "
                    + "version, definition, upstreams, downstream, created_by, created_at, updated_by, updated_at) "
                    + "VALUES (?, ?, true, 1, ?::jsonb, ?, ?, 'bench', now(), 'bench', now())")) {
                for (Map<String, Object> body : rules) {
                    Rule rule = validator.normalize(mapper.convertValue(body, Rule.class));
                    insert.setString(1, rule.name());
                    insert.setString(2, rule.team());
                    insert.setString(3, mapper.writeValueAsString(rule));
                    insert.setArray(4, connection.createArrayOf("varchar", rule.upstreamKeys().toArray()));
                    insert.setString(5, rule.action().workflowKey());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            connection.commit();
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("installing " + rules.size() + " rules failed", e);
        }
        index.rebuild();
    }
}
