package io.baton;

import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;

/** Row counts straight from the test's database, to show what a request wrote (or did not). */
public final class Rows {

    private Rows() {
    }

    /** {@code count("trigger_run WHERE rule_name = 'x'")}; the condition is the test's own text, never input. */
    public static long count(String tableAndCondition) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) Panache.getEntityManager()
                .createNativeQuery("SELECT count(*) FROM " + tableAndCondition).getSingleResult()).longValue());
    }
}
