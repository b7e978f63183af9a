package io.baton.cli;

import io.baton.security.Caller;
import io.smallrye.jwt.util.KeyUtils;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code baton token}: the key pair made on first use and kept, and tokens that verify with the printed key. */
@Tag("unit")
class TokenCommandTest {

    @TempDir
    Path home;

    record Run(int exit, String out, String err) {
        /** The {@code name=value} lines of stderr. */
        Map<String, String> settings() {
            Map<String, String> settings = new LinkedHashMap<>();
            err.lines().filter(line -> !line.startsWith("#") && line.contains("=")).forEach(line -> {
                int eq = line.indexOf('=');
                settings.put(line.substring(0, eq), line.substring(eq + 1));
            });
            return settings;
        }
    }

    private Run token(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] line = new String[args.length + 3];
        line[0] = "token";
        line[1] = "--home";
        line[2] = home.toString();
        System.arraycopy(args, 0, line, 3, args.length);
        int exit = BatonCli.run(line, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void makesTheKeyPairOnFirstUseKeepsItAndSignsTokensThatVerifyWithThePrintedKey() throws Exception {
        Run first = token("--team", "bi", "--role", "writer", "--ttl", "2h");
        assertThat(first.exit()).as(first.err()).isZero();
        Path privateKey = home.resolve("keys/private.pem");
        assertThat(Files.getPosixFilePermissions(privateKey)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Map<String, String> settings = first.settings();
        assertThat(settings).containsOnlyKeys("mp.jwt.verify.publickey.location", "mp.jwt.verify.issuer")
                .containsEntry("mp.jwt.verify.publickey.location", home.resolve("keys/public.pem").toString())
                .containsEntry("mp.jwt.verify.issuer", TokenCommand.LOCAL_ISSUER);

        JwtClaims writer = verify(first.out().strip(), settings);
        assertThat(writer.getSubject()).isEqualTo("bi-writer");
        assertThat(writer.getClaimValueAsString(Caller.TEAM_CLAIM)).isEqualTo("bi");
        assertThat(writer.getStringListClaimValue("groups")).containsExactly(Caller.WRITER);
        assertThat(writer.getExpirationTime().getValue() - writer.getIssuedAt().getValue()).isEqualTo(7200);

        String keyBefore = Files.readString(privateKey);
        Run admin = token("--team", "platform", "--role", "admin", "--sub", "alice");
        assertThat(Files.readString(privateKey)).as("the pair is kept").isEqualTo(keyBefore);
        JwtClaims adminClaims = verify(admin.out().strip(), admin.settings());
        assertThat(adminClaims.getSubject()).isEqualTo("alice");
        assertThat(adminClaims.getStringListClaimValue("groups")).containsExactly(Caller.ADMIN);
        assertThat(adminClaims.getExpirationTime().getValue() - adminClaims.getIssuedAt().getValue())
                .isEqualTo(8 * 3600);
        assertThat(verify(token("--team", "marketing", "--role", "reader").out().strip(), admin.settings())
                .getStringListClaimValue("groups")).isEmpty();
        assertThat(first.out().lines()).hasSize(1);
        assertThat(first.err()).doesNotContain(first.out().strip());
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(token("--team", "bi", "--role", "owner").exit()).isEqualTo(BatonCli.USAGE);
        assertThat(token("--role", "writer").exit()).isEqualTo(BatonCli.USAGE);
        assertThat(token("--team", " ", "--role", "writer").exit()).isEqualTo(BatonCli.USAGE);
        assertThat(token("--team", "bi", "--role", "writer", "--ttl", "0s").exit()).isEqualTo(BatonCli.USAGE);
        assertThat(home.resolve("keys")).doesNotExist();
    }

    private static JwtClaims verify(String token, Map<String, String> settings) throws Exception {
        return new JwtConsumerBuilder()
                .setVerificationKey(KeyUtils.decodePublicKey(Files.readString(
                        Path.of(settings.get("mp.jwt.verify.publickey.location")))))
                .setExpectedIssuer(settings.get("mp.jwt.verify.issuer"))
                .setRequireExpirationTime()
                .build()
                .processToClaims(token);
    }
}
