package io.baton.cli;

import io.baton.security.Caller;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Signs a bearer token for a local or trial install, with a key pair kept in the user's Baton home (made on first
 * use). Production verifies the identity provider's tokens instead; this key only works where Baton is told to trust
 * it. The token alone goes to stdout (for {@code BATON_TOKEN=$(baton token ...)}); the settings go to stderr.
 */
@Command(name = "token", description = {"Sign a bearer token for a local or trial Baton with a key pair in your Baton "
        + "home (made on first use), and print the settings that make Baton accept it.",
        "Production uses your identity provider's tokens and keys instead."})
class TokenCommand implements Callable<Integer> {

    /** What the default {@code --issuer} writes in {@code iss}. */
    static final String LOCAL_ISSUER = "urn:baton:local";
    static final String PRIVATE_KEY = "private.pem";
    static final String PUBLIC_KEY = "public.pem";

    /** Lower case: the names as typed and as listed in the help. */
    enum Role {
        writer(Set.of(Caller.WRITER)), admin(Set.of(Caller.ADMIN)), reader(Set.of());

        final Set<String> groups;

        Role(Set<String> groups) {
            this.groups = groups;
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--team", required = true, description = "the team claim: whose rules a writer may change")
    String team;

    @Option(names = "--role", required = true,
            description = "writer (its team's rules), admin (every rule) or reader (reads only)")
    Role role;

    @Option(names = "--sub", description = "the user named in audits (default: <team>-<role>)")
    String subject;

    @Option(names = "--ttl", defaultValue = "8h", converter = DurationOption.class,
            description = "how long the token is valid: 8h, 30m or PT8H (default ${DEFAULT-VALUE})")
    Duration ttl;

    @Option(names = "--home", defaultValue = "${env:BATON_HOME:-${sys:user.home}/.baton}",
            description = "Baton home; the key pair is in its keys/ (env BATON_HOME; default ${DEFAULT-VALUE})")
    Path home;

    @Option(names = "--issuer", defaultValue = LOCAL_ISSUER, description = "the iss claim (default ${DEFAULT-VALUE})")
    String issuer;

    @Override
    public Integer call() {
        if (team.isBlank()) {
            throw new CliFailure(BatonCli.USAGE, "--team must not be blank");
        }
        Path keys = home.resolve("keys").toAbsolutePath().normalize();
        PrivateKey privateKey = loadOrCreate(keys);
        String name = subject != null ? subject : team + "-" + role;
        String token = Jwt.issuer(issuer).subject(name).upn(name).groups(role.groups).claim(Caller.TEAM_CLAIM, team)
                .expiresIn(ttl.toSeconds()).sign(privateKey);
        spec.commandLine().getOut().println(token);
        var err = spec.commandLine().getErr();
        err.println("# A " + role + " token of team " + team + " for " + name + ", valid " + ttl.toString()
                .substring(2).toLowerCase() + ". Baton accepts it with these settings (application.properties or "
                + "the environment, MP_JWT_VERIFY_PUBLICKEY_LOCATION and MP_JWT_VERIFY_ISSUER):");
        err.println("mp.jwt.verify.publickey.location=" + keys.resolve(PUBLIC_KEY));
        err.println("mp.jwt.verify.issuer=" + issuer);
        return BatonCli.OK;
    }

    /** The private key in {@code keys}, after making the RSA pair there (private key readable by the user only). */
    static PrivateKey loadOrCreate(Path keys) {
        Path privateKey = keys.resolve(PRIVATE_KEY);
        try {
            if (!Files.exists(privateKey)) {
                KeyPair pair = KeyUtils.generateKeyPair(2048);
                Files.createDirectories(keys);
                Path partial = Files.createTempFile(keys, "private", ".tmp");
                if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                    Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-------"));
                }
                Files.writeString(partial, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
                Files.writeString(keys.resolve(PUBLIC_KEY), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
                Files.move(partial, privateKey);
            }
            return KeyUtils.decodePrivateKey(Files.readString(privateKey, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the key pair in " + keys, e);
        } catch (GeneralSecurityException e) {
            throw new CliFailure(BatonCli.USAGE, privateKey + " is not an RSA private key in PEM: " + e.getMessage());
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
