package io.baton.trigger;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** How completion events become downstream attempts. */
@ConfigMapping(prefix = "baton.trigger")
public interface TriggerConfig {

    /** A second topic other systems publish CloudEvents to (the events topic is always consumed). */
    Optional<String> externalTopic();

    /**
     * This replica's stable name in the consumer group (Kafka's {@code group.instance.id}, static membership); the
     * Helm chart and the manifests set it to the pod name. Unset: dynamic membership.
     */
    Optional<String> instanceId();

    /**
     * Teams that own external event types: {@code baton.trigger.event-teams."sales.orders.loaded"=sales}; a key ending
     * in {@code *} claims every type with that prefix. Only writers of an owning team (and admins) may publish a
     * claimed type over REST; any writer may publish a type nobody claims.
     */
    Map<String, List<String>> eventTeams();

    /** Tries of a downstream start that fails with a transient error before it is recorded as failed. */
    @WithDefault("10")
    int maxTries();

    /** Backoff after the first failed try; doubles on each further try up to {@link #maxBackoff()}. */
    @WithDefault("1s")
    Duration backoff();

    @WithDefault("5m")
    Duration maxBackoff();

    /** A start still pending this long after its ledger row was committed (e.g. after a crash) is resumed. */
    @WithDefault("5s")
    Duration resumeAfter();

    /**
     * How long a replica may take to start a claimed run before another one takes it over (after a crash between the
     * claim and the record). Longer than a start can take: up to three Digdag calls with the client's timeouts and
     * tries.
     */
    @WithDefault("2m")
    Duration startLease();

    /** Upstreams that finished more than this before a rule was created do not fire it (e.g. a replayed topic). */
    @WithDefault("5m")
    Duration historyGrace();

    /**
     * How often a run held back by {@code dependsOnPast} asks Digdag again whether the previous downstream session
     * has succeeded.
     */
    @WithDefault("1m")
    Duration pastSessionRecheck();

    /**
     * How often a cascade rerun that waits (its downstream session still running, or the rule's own run not started
     * yet) asks again.
     */
    @WithDefault("30s")
    Duration rerunRecheck();

    /** How often missed deadlines are looked for. */
    @WithDefault("30s")
    Duration deadlineCheckInterval();

    /**
     * The most downstream attempts Baton has running at once on one Digdag server; further starts (ordinary triggers
     * first, then backfill starts) wait in PostgreSQL and go as running ones end.
     */
    @WithDefault("20")
    int maxRunningPerServer();

    /** How often a start waiting for admission asks again (it is also woken as soon as a slot is given back). */
    @WithDefault("5s")
    Duration admissionRecheck();

    /**
     * How often Digdag is asked whether admitted attempts have ended that the watcher did not report (it was not
     * leading, or the attempt ended before its start was recorded).
     */
    @WithDefault("30s")
    Duration admissionCheckInterval();

    Slack slack();

    /** Message templates with {name} variables (not ${...}, which configuration would expand): {rule}, {team}, {session}, {missing}, {deadline}, {attempt_url}, {error}; for stale, {message}, {downstream}, {date}, {upstream}. */
    interface Slack {
        @WithDefault(":alarm_clock: Rule *{rule}* (team {team}) missed its deadline {deadline} for session {session}; still waiting for: {missing}")
        String deadlineMissedTemplate();

        @WithDefault(":white_check_mark: Rule *{rule}* started its downstream for session {session}: {attempt_url}")
        String firedTemplate();

        @WithDefault(":x: Rule *{rule}* could not start its downstream for session {session}: {error}")
        String failedTemplate();

        /** A downstream session that ran on data an upstream has since re-run ({@code onUpstreamRerun: notify}). */
        @WithDefault(":warning: {message} (rule *{rule}*, team {team}): {attempt_url}")
        String staleTemplate();

        @WithDefault("5s")
        Duration timeout();
    }
}
