import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;

/**
 * The bare loop beside hcbench's java.httpclient.discard-body row (bench/overhead_drivers.sh).
 *
 * <p>The same requests as the driver's row, with nothing around them: one
 * java.net.http.HttpClient sending one immutable HttpRequest with send(), the body read and
 * dropped (BodyHandlers.discarding()), the status checked and nothing else; no clock per
 * request, one clock read at the start of the timed loop and one at its end. The client is set
 * up as the driver sets it up (drivers/java/.../JdkClients.java: HTTP/1.1, no proxy, no
 * redirects, the connect and request timeouts), and the JVM runs with its default options, as
 * the driver's does, so that what differs between the two is the driver's measuring alone. The
 * warm-up lets HotSpot compile the request path first, as the driver's does.
 *
 * <p>Usage: java -cp DIR BareHttpClientLoop URL CYCLES WARMUP (prints requests/s)
 */
public final class BareHttpClientLoop {
  /** hcbench run's default --timeout, which the driver's row gives its client and request. */
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient client;
  private final HttpRequest request;
  private final BodyHandler<Void> discard = BodyHandlers.discarding();

  private BareHttpClientLoop(URI url) {
    client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .proxy(HttpClient.Builder.NO_PROXY)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(TIMEOUT)
        .build();
    request = HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build();
  }

  private long run(long count) throws Exception {
    long failures = 0;
    for (long i = 0; i < count; i++) {
      HttpResponse<Void> response = client.send(request, discard);
      if (response.statusCode() != 200) failures++;
    }
    return failures;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: BareHttpClientLoop URL CYCLES WARMUP");
      System.exit(2);
    }
    long cycles = Long.parseLong(args[1]);
    long warmup = Long.parseLong(args[2]);
    BareHttpClientLoop loop = new BareHttpClientLoop(URI.create(args[0]));
    long failures = loop.run(warmup);
    long started = System.nanoTime();
    failures += loop.run(cycles);
    long wallNs = System.nanoTime() - started;
    if (failures > 0) {
      System.err.println(failures + " requests failed");
      System.exit(1);
    }
    System.out.printf("%.1f%n", cycles / (wallNs / 1e9));
    System.out.flush();
    // Exit explicitly: the client's selector thread would keep the JVM alive.
    System.exit(0);
  }
}
