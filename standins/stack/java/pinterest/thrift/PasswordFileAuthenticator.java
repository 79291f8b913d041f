package pinterest.thrift;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.spec.KeySpec;
import java.util.HexFormat;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.security.sasl.AuthenticationException;
import org.apache.hive.service.auth.PasswdAuthenticationProvider;

/**
 * Lets a Spark Thrift Server client in when its user and password match a line of the file
 * named by the system property {@code pinterest.thrift.users}:
 * {@code user:iterations:salt-hex:pbkdf2-sha256-hex}. The stack writes that file; it holds
 * no password, only a salted hash of it. The file is read on every sign-in, so a changed
 * password needs no restart.
 */
public final class PasswordFileAuthenticator implements PasswdAuthenticationProvider {
    static final String USERS_PROPERTY = "pinterest.thrift.users";

    @Override
    public void Authenticate(String user, String password) throws AuthenticationException {
        String file = System.getProperty(USERS_PROPERTY);
        if (file == null || user == null || password == null) {
            throw new AuthenticationException("sign-in refused");
        }
        try {
            for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
                String[] fields = line.trim().split(":");
                if (fields.length == 4 && fields[0].equals(user) && matches(password, fields)) {
                    return;
                }
            }
        } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
            throw new AuthenticationException("sign-in refused: cannot check the password", e);
        }
        throw new AuthenticationException("sign-in refused: wrong user or password");
    }

    private static boolean matches(String password, String[] fields)
            throws java.security.GeneralSecurityException {
        int iterations = Integer.parseInt(fields[1]);
        byte[] salt = HexFormat.of().parseHex(fields[2]);
        byte[] expected = HexFormat.of().parseHex(fields[3]);
        KeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, expected.length * 8);
        byte[] actual =
                SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        return MessageDigest.isEqual(expected, actual);
    }
}
