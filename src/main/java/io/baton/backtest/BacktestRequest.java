package io.baton.backtest;

import io.baton.rules.Rule;

/**
 * Body of {@code POST /api/v1/rules:backtest}: a stored rule by {@code name}, or a {@code rule} body that need not be
 * stored, and the downstream session dates {@code from} to {@code to} (both included, in the rule's correlation
 * zone).
 */
public record BacktestRequest(String name, Rule rule, String from, String to) {
}
