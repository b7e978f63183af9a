package io.baton.watch;

/** Tells the watcher whether anyone needs the tasks of a workflow's attempts (for {@code task-fetch=referenced}). */
public interface TaskInterest {

    boolean wantsTasks(String server, String project, String workflow);
}
