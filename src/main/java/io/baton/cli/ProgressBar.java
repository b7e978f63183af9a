package io.baton.cli;

import java.io.PrintWriter;

/**
 * One line of progress on stderr, redrawn in place: {@code [#########-----------] 12/30 label}. Hand-written:
 * picocli has no progress bar, and the one library that would (me.tongfei:progressbar) is not among the project's
 * dependencies for twenty lines of code.
 */
final class ProgressBar {

    private static final int WIDTH = 30;

    private final PrintWriter err;
    private int lastLength;

    ProgressBar(PrintWriter err) {
        this.err = err;
    }

    /** Redraws the line with {@code done} of {@code total} (a line without a bar while total is 0). */
    void show(int done, int total, String label) {
        String line;
        if (total <= 0) {
            line = label;
        } else {
            int filled = (int) Math.round(WIDTH * Math.min(done, total) / (double) total);
            line = "[" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] " + done + "/" + total + " " + label;
        }
        // Blanks over whatever the previous, longer line left.
        err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        err.flush();
        lastLength = line.length();
    }

    /** Ends the line, so that what follows starts on its own. */
    void finish() {
        err.println();
        err.flush();
    }
}
