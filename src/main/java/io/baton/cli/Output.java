package io.baton.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Prints answers as JSON (for jq) or as a table for people; nested objects become dotted columns. */
final class Output {

    enum Format { json, table }

    private final Format format;
    private final PrintWriter out;
    private final ObjectMapper mapper;

    Output(Format format, PrintWriter out, ObjectMapper mapper) {
        this.format = format;
        this.out = out;
        this.mapper = mapper;
    }

    /** An object as field/value lines, or a list of objects as rows. */
    void print(JsonNode value) {
        print(value, value);
    }

    /** {@code json} as JSON, or {@code forTable} (say, the list inside it) as a table. */
    void print(JsonNode json, JsonNode forTable) {
        JsonNode value = format == Format.json ? json : forTable;
        if (format == Format.json) {
            try {
                out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(value));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else if (value.isArray()) {
            List<Map<String, String>> rows = new ArrayList<>();
            value.forEach(item -> rows.add(flatten(item)));
            printRows(rows);
        } else {
            Map<String, String> fields = flatten(value);
            int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0);
            fields.forEach((name, text) -> out.println(pad(name, width) + "  " + text));
        }
        out.flush();
    }

    /** A line for people under a table; nothing in JSON, where the answer already says it. */
    void note(String line) {
        if (format == Format.table) {
            out.println(line);
            out.flush();
        }
    }

    /** One line per value, for streams: compact JSON, or the given columns of a table. */
    void printLine(JsonNode value, List<String> tableColumns) {
        if (format == Format.json) {
            out.println(value.toString());
        } else {
            Map<String, String> fields = flatten(value);
            out.println(String.join("  ", tableColumns.stream().map(c -> fields.getOrDefault(c, "")).toList()));
        }
        out.flush();
    }

    private void printRows(List<Map<String, String>> rows) {
        Set<String> columns = new LinkedHashSet<>();
        rows.forEach(row -> columns.addAll(row.keySet()));
        Map<String, Integer> widths = new LinkedHashMap<>();
        for (String column : columns) {
            int width = column.length();
            for (Map<String, String> row : rows) {
                width = Math.max(width, row.getOrDefault(column, "").length());
            }
            widths.put(column, width);
        }
        out.println(String.join("  ", columns.stream().map(c -> pad(c.toUpperCase(), widths.get(c))).toList())
                .stripTrailing());
        for (Map<String, String> row : rows) {
            out.println(String.join("  ", columns.stream().map(c -> pad(row.getOrDefault(c, ""), widths.get(c)))
                    .toList()).stripTrailing());
        }
    }

    private static Map<String, String> flatten(JsonNode value) {
        Map<String, String> fields = new LinkedHashMap<>();
        flatten("", value, fields);
        return fields;
    }

    private static void flatten(String prefix, JsonNode value, Map<String, String> fields) {
        if (value.isObject()) {
            value.fields().forEachRemaining(field ->
                    flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), fields));
        } else if (value.isArray() && !prefix.isEmpty()) {
            fields.put(prefix, value.toString());
        } else if (!value.isNull()) {
            fields.put(prefix.isEmpty() ? "value" : prefix, value.asText());
        }
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(Math.max(0, width - text.length()));
    }
}
