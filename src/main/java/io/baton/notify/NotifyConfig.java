package io.baton.notify;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;

/** Subscriptions, expectations and the delivery of their messages. */
@ConfigMapping(prefix = "baton.notify")
public interface NotifyConfig {

    /**
     * Generic webhooks by name: {@code baton.notify.webhooks.ops-pager=https://...}; they receive the message and its
     * variables as JSON. A secret, like Slack's webhooks ({@code baton.rules.slack-webhooks}).
     */
    Map<String, String> webhooks();

    /** Completion events that finished longer ago than this are not announced (a replayed topic, a new group). */
    @WithDefault("1h")
    Duration maxEventAge();

    /** How often the queue is looked at for messages to send. */
    @WithDefault("1s")
    Duration sendInterval();

    /** Each message waits this long before it is sent, so that a burst arriving together becomes one summary. */
    @WithDefault("3s")
    Duration groupDelay();

    /** More matches than this within {@link #burstWindow()} of one subscription are sent as one summary. */
    @WithDefault("10")
    int burstThreshold();

    @WithDefault("1m")
    Duration burstWindow();

    /** Lines a summary lists before "and N more". */
    @WithDefault("20")
    int summaryLines();

    /** Backoff after the first failed send of a message; doubles on each further try up to {@link #maxBackoff()}. */
    @WithDefault("2s")
    Duration backoff();

    @WithDefault("5m")
    Duration maxBackoff();

    /** A message Slack or the webhook has not taken for this long is given up (status expired, a metric). */
    @WithDefault("1d")
    Duration giveUpAfter();

    /** The most messages waiting; beyond it new matches are counted (baton_notify_dropped_total) and not queued. */
    @WithDefault("100000")
    int maxBacklog();

    /** Sent messages stay in the queue table this long (what stops a repeated event sending twice). */
    @WithDefault("P7D")
    Duration retention();

    /** HTTP timeout of a Slack or webhook call. */
    @WithDefault("5s")
    Duration timeout();

    /** How often expectations are checked against Digdag's schedules and sessions. */
    @WithDefault("30s")
    Duration expectationCheckInterval();

    /** An expected session still open this long after its due time is closed as expired, without an alert. */
    @WithDefault("P7D")
    Duration expectationLookBack();

    Templates templates();

    /**
     * Message templates per state with {name} variables: {subscription}, {team}, {server}, {project}, {workflow},
     * {task} (the subscription's task, or the failed task of an attempt), {subject} (project/workflow, and the task
     * of a task subscription), {state}, {session_time}, {session_date}, {attempt_id}, {attempt_url}, {error};
     * expectations add {expectation} and {due}. Summaries: {subscription}, {count}, {lines}.
     */
    interface Templates {
        @WithDefault(":white_check_mark: *{subject}* succeeded for session {session_date} ({session_time})")
        String success();

        @WithDefault(":x: *{subject}* failed for session {session_date} ({session_time}) in task `{task}`: {error}")
        String error();

        @WithDefault(":no_entry: *{subject}* was killed for session {session_date} ({session_time})")
        String killed();

        @WithDefault(":warning: *{subject}* was canceled for session {session_date} ({session_time})")
        String canceled();

        @WithDefault(":hourglass: *{project}/{workflow}* is late: session {session_date} has not succeeded by {due} (expectation {expectation})")
        String late();

        @WithDefault(":x: *{project}/{workflow}* failed and has not succeeded by {due}: session {session_date} (expectation {expectation})")
        String failed();

        @WithDefault(":rotating_light: *{project}/{workflow}* has not started: session {session_date} was due by {due} and Digdag started no attempt (expectation {expectation})")
        String notStarted();

        @WithDefault(":white_check_mark: *{project}/{workflow}* recovered: session {session_date} succeeded after its alert (expectation {expectation})")
        String recovered();

        @WithDefault(":rotating_light: {count} notifications of subscription *{subscription}* arrived together:\n{lines}")
        String summary();
    }
}
