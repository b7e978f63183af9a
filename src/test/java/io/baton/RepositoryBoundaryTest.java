package io.baton;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fresh clone must build and pass on its own: nothing the build, the tests, the demo or the benchmarks read may lie
 * outside the repository. Greps every file of the build for the shared folder beside the project's own checkouts and
 * for absolute paths of a build machine.
 */
class RepositoryBoundaryTest {

    /** What the build is made of; README and docs may talk about other places. */
    private static final List<Path> BUILD = List.of(Path.of("src"), Path.of("scripts"), Path.of(".ci"),
            Path.of("pom.xml"), Path.of("baton"));

    private static final Set<String> NOT_BUILD_INPUT = Set.of("target", "node_modules");

    /** The folder beside the checkout, and home or work folders of a machine (container paths like /opt are fine). */
    static final Pattern OUTSIDE = Pattern.compile(
            "\\.\\./shared|shared/digdag-api|(?<![\\w.~$}-])/(work|home|root|Users|mnt|tmp)/");

    /** The shared folder beside the checkout, spelled in pieces so that this file does not name it whole. */
    private static final String BESIDE = ".." + "/" + "shared";

    /** This file names the patterns it looks for. */
    private static final Path SELF = Path.of("src/test/java/io/baton/RepositoryBoundaryTest.java");

    @Test
    void noFileOfTheBuildReadsOutsideTheRepository() {
        List<String> found = new ArrayList<>();
        for (Path root : BUILD) {
            assertThat(root).exists();
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(Files::isRegularFile)
                        .filter(file -> !file.equals(SELF))
                        .filter(file -> Stream.of(file.toString().split("/")).noneMatch(NOT_BUILD_INPUT::contains))
                        .forEach(file -> found.addAll(outsideReads(file)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertThat(found).as("paths outside the repository").isEmpty();
    }

    @Test
    void recognisesPathsOutsideTheRepository() {
        assertThat(List.of("Path.of(\"" + BESIDE + "/digdag-api\")", "cp /" + "work/shared/x .", "cat /home/ci/key",
                "cd /tmp/build", "ls /Users/me", "DIR=/root/.m2/x"))
                .allMatch(line -> OUTSIDE.matcher(line).find());
        assertThat(List.of("cd \"$(dirname \"$0\")/..\"", "GET /api/workflows/1", "ENTRYPOINT [\"/opt/run.sh\"]",
                "$BATON_HOME/tmp/x", "target/work/x", "http://127.0.0.1:65432/api/projects"))
                .noneMatch(line -> OUTSIDE.matcher(line).find());
    }

    private static List<String> outsideReads(Path file) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            return List.of(); // binary
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> found = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (OUTSIDE.matcher(lines[i]).find()) {
                found.add(file + ":" + (i + 1) + ": " + lines[i].strip());
            }
        }
        return found;
    }
}
