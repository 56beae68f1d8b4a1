package hcbench.driver;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/** One cell's settings (docs/drivers.md, section 2), and the TLS set-up they ask for. */
final class Settings {
  final String client;
  final URI url;
  final long cycles;
  final long warmup;
  final double durationSeconds;
  final int concurrency;
  final String verify;
  final int expectedStatus;
  final long expectedLength;
  final boolean insecure;
  final String cacert;
  final Duration timeout;
  final boolean wantDigest;
  final byte[] expectedDigest;

  Settings(Map<String, Object> cell) {
    client = text(cell, "client", null);
    url = URI.create(text(cell, "url", null));
    cycles = (long) number(cell, "cycles", -1);
    warmup = (long) number(cell, "warmup", 0);
    durationSeconds = number(cell, "duration_seconds", 0);
    concurrency = (int) number(cell, "concurrency", 1);
    verify = text(cell, "verify", "length");
    expectedStatus = (int) number(cell, "expected_status", 200);
    expectedLength = (long) number(cell, "expected_length", 0);
    insecure = !Boolean.FALSE.equals(cell.get("insecure"));
    String ca = text(cell, "cacert", "");
    cacert = ca.isEmpty() ? null : ca;
    timeout = Duration.ofMillis(Math.round(number(cell, "request_timeout_seconds", 30) * 1000));
    wantDigest = verify.equals("digest");
    expectedDigest = wantDigest ? parseReprDigest(text(cell, "expected_digest", "")) : null;
    if (cycles < 0) throw new IllegalArgumentException("cycles is missing or negative");
    if (concurrency < 1) throw new IllegalArgumentException("concurrency must be at least 1");
  }

  boolean https() {
    return "https".equalsIgnoreCase(url.getScheme());
  }

  /** A SHA-256 digester when the cell checks digests, else null. */
  MessageDigest newDigest() {
    if (!wantDigest) return null;
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The digest of a saved body, or null when the cell does not check digests. */
  byte[] digestOf(byte[] body) {
    MessageDigest digest = newDigest();
    return digest == null ? null : digest.digest(body);
  }

  /** The trust manager for HTTPS: trusts anything when insecure, else the CA file (or the JDK's). */
  X509TrustManager trustManager() throws GeneralSecurityException, IOException {
    if (insecure) return new TrustEverything();
    KeyStore store = null;
    if (cacert != null) {
      store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      try (InputStream in = new FileInputStream(cacert)) {
        int n = 0;
        for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          store.setCertificateEntry("ca" + n++, certificate);
        }
      }
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    for (TrustManager manager : factory.getTrustManagers()) {
      if (manager instanceof X509TrustManager x509) return x509;
    }
    throw new GeneralSecurityException("no X.509 trust manager");
  }

  SSLContext sslContext() throws GeneralSecurityException, IOException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {trustManager()}, null);
    return context;
  }

  private static byte[] parseReprDigest(String value) {
    String prefix = "sha-256=:";
    if (!value.startsWith(prefix) || !value.endsWith(":") || value.length() <= prefix.length() + 1) {
      throw new IllegalArgumentException("expected_digest is not of the form sha-256=:<base64>:");
    }
    return Base64.getDecoder().decode(value.substring(prefix.length(), value.length() - 1));
  }

  private static String text(Map<String, Object> cell, String key, String fallback) {
    Object value = cell.get(key);
    if (value == null) {
      if (fallback == null) throw new IllegalArgumentException(key + " is missing");
      return fallback;
    }
    return value.toString();
  }

  private static double number(Map<String, Object> cell, String key, double fallback) {
    Object value = cell.get(key);
    if (value == null) return fallback;
    if (!(value instanceof Double d)) throw new IllegalArgumentException(key + " is not a number");
    return d;
  }

  /**
   * Accepts any certificate and any host name: the --insecure of the benchmark (the default
   * certificate is self-signed). An X509ExtendedTrustManager, because JSSE wraps a plain
   * X509TrustManager in one that still checks the host name.
   */
  static final class TrustEverything extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
