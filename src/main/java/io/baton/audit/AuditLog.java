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

    private static final int MAX_NAME = 255;
    private static final int MAX_TEXT = 1000;

    @Inject
    Caller caller;

    @Transactional
    public void record(String action, String target, String session, String reference) {
        CallerAudit entry = new CallerAudit();
        entry.action = action;
        entry.actor = printable(caller.name(), MAX_NAME);
        entry.team = caller.teamIfValid() == null ? null : printable(caller.teamIfValid(), MAX_NAME);
        entry.target = printable(target, MAX_TEXT);
        entry.session = session;
        entry.reference = reference == null ? null : printable(reference, MAX_TEXT);
        entry.persist();
    }

    /** Token claims are signed but not checked for what PostgreSQL can store; the record must never fail on them. */
    private static String printable(String value, int maxLength) {
        String clean = value.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > maxLength ? clean.substring(0, maxLength) : clean;
    }
}
