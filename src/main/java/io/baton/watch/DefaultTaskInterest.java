package io.baton.watch;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** Until a rule engine says otherwise, no workflow's tasks are referenced. */
@ApplicationScoped
class DefaultTaskInterest {

    @Produces
    @DefaultBean
    @ApplicationScoped
    TaskInterest none() {
        return (server, project, workflow) -> false;
    }
}
