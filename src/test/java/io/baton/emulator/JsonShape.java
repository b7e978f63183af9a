package io.baton.emulator;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Compares two JSON documents by keys and JSON types only, the way two answers of the same endpoint should match. */
final class JsonShape {

    /** Free JSON objects whose content depends on the workflow, not on the API. */
    private static final Set<String> FREE_OBJECTS = Set.of("params", "config", "exportParams", "storeParams",
            "stateParams", "error");

    private JsonShape() {
    }

    /** Differences between the shapes; null values and empty arrays match any type. */
    static List<String> differences(JsonNode actual, JsonNode expected) {
        List<String> differences = new ArrayList<>();
        compare("$", actual, expected, differences);
        return differences;
    }

    private static void compare(String at, JsonNode actual, JsonNode expected, List<String> differences) {
        if (actual.isNull() || expected.isNull()) {
            return;
        }
        if (actual.getNodeType() != expected.getNodeType()) {
            differences.add(at + ": " + actual.getNodeType() + " instead of " + expected.getNodeType());
            return;
        }
        if (actual.isObject() && !FREE_OBJECTS.contains(at.substring(at.lastIndexOf('.') + 1))) {
            Set<String> actualKeys = keys(actual);
            Set<String> expectedKeys = keys(expected);
            if (!actualKeys.equals(expectedKeys)) {
                differences.add(at + ": keys " + actualKeys + " instead of " + expectedKeys);
                return;
            }
            actualKeys.forEach(key -> compare(at + "." + key, actual.get(key), expected.get(key), differences));
        } else if (actual.isArray() && !actual.isEmpty() && !expected.isEmpty()) {
            for (JsonNode item : actual) {
                compare(at + "[]", item, expected.get(0), differences);
            }
        }
    }

    private static Set<String> keys(JsonNode node) {
        Set<String> keys = new TreeSet<>();
        Iterator<String> names = node.fieldNames();
        names.forEachRemaining(keys::add);
        return keys;
    }
}
