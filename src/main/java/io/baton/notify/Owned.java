package io.baton.notify;

/** A subscription or expectation: what its team's writers may change. */
interface Owned {

    String team();
}
