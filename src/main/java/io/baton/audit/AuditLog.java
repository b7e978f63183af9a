package io.baton.audit;

import io.baton.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/**
 * Records who started, retried or fired what and who published which external event, in the transaction of the
 * action when it has one. Only actions that were carried out are recorded: a rejected request leaves no row.
 */
@ApplicationScoped
public class AuditLog {

    public static final String START = "start";
    public static final String RETRY = "retry";
    public static final String FIRE = "fire";
    public static final String EVENT = "event";
    public static final String BACKFILL = "backfill";

    @Inject
    Caller caller;

    @Transactional
    public void record(String action, String target, String session, String reference) {
        CallerAudit entry = new CallerAudit();
        entry.action = action;
        entry.actor = caller.name();
        entry.team = caller.teamIfValid();
        entry.target = target;
        entry.session = session;
        entry.reference = reference;
        entry.persist();
    }
}
