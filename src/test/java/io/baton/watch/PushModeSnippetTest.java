package io.baton.watch;

import io.baton.emulator.DigFiles;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The push-mode snippet that README.md and docs/push-mode.md offer to copy is the file the tests run. */
@Tag("unit")
class PushModeSnippetTest {

    private static String tested() throws IOException {
        try (var in = PushModeSnippetTest.class.getClassLoader().getResourceAsStream(DigFiles.NOTIFYING_ETL)) {
            assertThat(in).as(DigFiles.NOTIFYING_ETL).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The first {@code ```yaml} block after {@code heading} (the whole file when null). */
    private static String yamlBlock(String file, String heading) throws IOException {
        String text = Files.readString(Path.of(file));
        int from = heading == null ? 0 : text.indexOf(heading);
        assertThat(from).as(heading + " in " + file).isNotNegative();
        int start = text.indexOf("```yaml\n", from);
        assertThat(start).as("a yaml block in " + file).isNotNegative();
        start += "```yaml\n".length();
        return text.substring(start, text.indexOf("```", start));
    }

    @Test
    void theReadmesSnippetIsTheTestedFile() throws IOException {
        assertThat(yamlBlock("README.md", "\n## Push mode\n")).isEqualTo(tested());
    }

    @Test
    void thePushModePagesSnippetIsTheTestedFile() throws IOException {
        assertThat(yamlBlock("docs/push-mode.md", null)).isEqualTo(tested());
    }
}
