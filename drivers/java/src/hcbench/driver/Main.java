package hcbench.driver;

import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * hcbench driver for Java HTTP clients (the protocol is in docs/drivers.md).
 *
 * <p>Reads one JSON object with the cell's settings on stdin, runs the warm-up and the timed
 * loop with the client it names, and prints one JSON report line on stdout. Clients: the
 * JDK's java.net.http.HttpClient and HttpURLConnection (JdkClients), OkHttp
 * (OkHttpClients) and Apache HttpClient 5 (ApacheClients), the last two from Debian's jars.
 * The JIT compiles the request path during the first thousands of requests: hcbench gives
 * the Java rows a warm-up long enough that the timed loop does not measure compilation.
 */
public final class Main {
  static final int PROTOCOL = 1;

  /** Client name prefix -> the class that builds its clients, and what that class needs. */
  private static final Map<String, String[]> LIBRARIES = Map.of(
      "httpclient", new String[] {"hcbench.driver.JdkClients", "the JDK"},
      "urlconnection", new String[] {"hcbench.driver.JdkClients", "the JDK"},
      "okhttp", new String[] {"hcbench.driver.OkHttpClients", "OkHttp (Debian package libokhttp-java)"},
      "apache", new String[] {"hcbench.driver.ApacheClients", "Apache HttpClient 5 (Debian package libhttpclient5-java)"});

  public static void main(String[] args) {
    // Read when java.net.http first loads: lets the no-reuse row send "Connection: close".
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "connection");
    String report;
    try {
      Map<String, Object> cell = Json.parseObject(new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
      Object protocol = cell.get("protocol");
      if (!(protocol instanceof Double d) || d != PROTOCOL) {
        throw new IllegalArgumentException("hcbench speaks protocol " + protocol + ", this driver " + PROTOCOL);
      }
      report = measure(new Settings(cell));
    } catch (Skip skip) {
      report = "{\"protocol\":1,\"status\":\"skipped\",\"reason\":" + Json.quote(skip.getMessage()) + "}";
    } catch (Throwable error) {
      report = "{\"protocol\":1,\"status\":\"error\",\"reason\":"
          + Json.quote(error.getClass().getSimpleName() + ": " + error.getMessage()) + "}";
    }
    System.out.println(report);
    System.out.flush();
    // Exit explicitly: connection pools and selector threads would keep the JVM alive.
    System.exit(0);
  }

  static Client create(Settings settings) throws Exception {
    String prefix = settings.client.split("\\.", 2)[0];
    String[] library = LIBRARIES.get(prefix);
    if (library == null) throw new IllegalArgumentException("unknown client '" + settings.client + "'");
    Class<?> factory;
    try {
      factory = Class.forName(library[0]);
    } catch (ClassNotFoundException e) {
      throw new Skip("the Java driver was built without " + library[1] + ": its jars were missing when meson configured");
    }
    try {
      Object client = factory.getDeclaredMethod("create", Settings.class).invoke(null, settings);
      if (client == null) throw new IllegalArgumentException("unknown client '" + settings.client + "'");
      return (Client) client;
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof NoClassDefFoundError missing) {
        throw new Skip(library[1] + " is not installed (" + missing.getMessage() + " not found)");
      }
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  static String measure(Settings settings) throws Exception {
    ConnectCounter.load();
    try (Client client = create(settings)) {
      new Loop(client, settings, settings.warmup).run();
      long connectionsBefore = ConnectCounter.connections();
      CpuTimes cpuBefore = CpuTimes.now();
      long started = System.nanoTime();
      boolean hasDeadline = settings.durationSeconds > 0;
      long deadline = started + (long) (settings.durationSeconds * 1e9);
      Tally tally = new Loop(client, settings, settings.cycles, hasDeadline, deadline).run();
      long wallNs = System.nanoTime() - started;
      CpuTimes cpu = CpuTimes.now().since(cpuBefore);
      long connections = ConnectCounter.connections() - connectionsBefore;
      return report(settings, client, tally, wallNs, cpu, connections);
    }
  }

  private static String report(Settings settings, Client client, Tally tally, long wallNs, CpuTimes cpu, long connections) {
    int requests = tally.requests();
    StringBuilder out = new StringBuilder(64 + requests * 8);
    out.append("{\"protocol\":1,\"status\":\"ok\",\"requests\":").append(requests);
    out.append(",\"failures\":{");
    boolean first = true;
    for (int i = 0; i < Failures.KINDS.length; i++) {
      long n = tally.failures.get(i);
      if (n == 0) continue;
      if (!first) out.append(',');
      out.append(Json.quote(Failures.KINDS[i])).append(':').append(n);
      first = false;
    }
    out.append("},\"wall_seconds\":").append(wallNs / 1e9);
    out.append(",\"cpu\":{\"user_seconds\":").append(cpu.userSeconds());
    out.append(",\"system_seconds\":").append(cpu.systemSeconds()).append('}');
    out.append(",\"latencies_ns\":[");
    for (int i = 0; i < requests; i++) {
      if (i > 0) out.append(',');
      out.append(tally.latency(i));
    }
    out.append("],\"body_bytes\":").append(tally.bodyBytes.get());
    out.append(",\"connections_opened\":").append(connections);
    out.append(",\"client\":{\"name\":").append(Json.quote(settings.client));
    out.append(",\"version\":").append(Json.quote(client.version()));
    out.append(",\"runtime\":").append(Json.quote(runtime())).append("}}");
    return out.toString();
  }

  static String runtime() {
    return System.getProperty("java.vm.name", "Java") + " " + Runtime.version();
  }

  private Main() {}
}
