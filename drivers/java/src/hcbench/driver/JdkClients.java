package hcbench.driver;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;

/** The JDK's own clients: java.net.http.HttpClient (Java 11+) and HttpURLConnection. */
final class JdkClients {
  static Client create(Settings settings) throws Exception {
    return switch (settings.client) {
      case "httpclient" -> new JavaHttpClient(settings, true, true);
      case "httpclient.discard-body" -> new JavaHttpClient(settings, true, false);
      case "httpclient.no-reuse" -> new JavaHttpClient(settings, false, true);
      case "urlconnection" -> new UrlConnection(settings, true);
      case "urlconnection.no-reuse" -> new UrlConnection(settings, false);
      default -> null;
    };
  }

  private static String jdkVersion() {
    return "JDK " + Runtime.version();
  }

  /**
   * One java.net.http.HttpClient (HTTP/1.1, no proxy, no redirects) and one immutable
   * HttpRequest, sent again and again: send() one at a time, sendAsync() with N in flight
   * at concurrency N. The client has no switch to turn keep-alive off: the no-reuse row
   * sends "Connection: close" (allowed by jdk.httpclient.allowRestrictedHeaders, set in
   * Main), so the server closes each connection and the client opens a new one.
   */
  static final class JavaHttpClient implements Client, Loop.AsyncCapable {
    private final Settings settings;
    private final HttpClient client;
    private final HttpRequest request;
    private final BodyHandler<Response> handler;

    JavaHttpClient(Settings settings, boolean keepAlive, boolean saveBody) throws Exception {
      this.settings = settings;
      HttpClient.Builder builder = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .proxy(HttpClient.Builder.NO_PROXY)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(settings.timeout);
      if (settings.https()) builder.sslContext(settings.sslContext());
      client = builder.build();
      HttpRequest.Builder request = HttpRequest.newBuilder(settings.url).timeout(settings.timeout).GET();
      if (!keepAlive) request.header("Connection", "close");
      this.request = request.build();
      handler = saveBody ? savingHandler(settings) : discardingHandler(settings);
    }

    private static BodyHandler<Response> savingHandler(Settings settings) {
      return info -> BodySubscribers.mapping(BodySubscribers.ofByteArray(),
          body -> new Response(info.statusCode(), body.length, settings.digestOf(body)));
    }

    private static BodyHandler<Response> discardingHandler(Settings settings) {
      return info -> BodySubscribers.fromSubscriber(new Discarding(new BodyCounter(settings)),
          subscriber -> subscriber.counter.response(info.statusCode()));
    }

    @Override
    public Response fetch() throws Exception {
      return client.send(request, handler).body();
    }

    @Override
    public CompletableFuture<Response> fetchAsync() {
      return client.sendAsync(request, handler).thenApply(HttpResponse::body);
    }

    @Override
    public String version() {
      return "java.net.http in " + jdkVersion();
    }
  }

  /** Counts the body's buffers as they arrive and keeps none of them. */
  static final class Discarding implements Flow.Subscriber<List<ByteBuffer>> {
    final BodyCounter counter;

    Discarding(BodyCounter counter) {
      this.counter = counter;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      for (ByteBuffer buffer : buffers) counter.add(buffer);
    }

    @Override
    public void onError(Throwable error) {}

    @Override
    public void onComplete() {}
  }

  /**
   * HttpURLConnection, opened per request from one URL, its body read whole and the stream
   * closed, which hands a kept-alive connection back to the JDK's keep-alive cache. Reuse
   * is the JDK's switch http.keepAlive (true by default); its cache keeps at most
   * http.maxConnections idle connections per host (5 by default), raised to the
   * concurrency. Both are read once, when the JDK's HTTP classes load: set them here, before
   * any connection. At concurrency N, N threads.
   */
  static final class UrlConnection implements Client {
    private final Settings settings;
    private final URL url;
    private final SSLSocketFactory sslSocketFactory;
    private final HostnameVerifier hostnameVerifier;

    UrlConnection(Settings settings, boolean keepAlive) throws Exception {
      System.setProperty("http.keepAlive", Boolean.toString(keepAlive));
      System.setProperty("http.maxConnections", Integer.toString(Math.max(5, settings.concurrency)));
      this.settings = settings;
      url = settings.url.toURL();
      sslSocketFactory = settings.https() ? settings.sslContext().getSocketFactory() : null;
      hostnameVerifier = settings.insecure ? (host, session) -> true : HttpsURLConnection.getDefaultHostnameVerifier();
    }

    @Override
    public Response fetch() throws Exception {
      HttpURLConnection connection = (HttpURLConnection) url.openConnection(Proxy.NO_PROXY);
      int timeout = (int) settings.timeout.toMillis();
      connection.setConnectTimeout(timeout);
      connection.setReadTimeout(timeout);
      connection.setInstanceFollowRedirects(false);
      connection.setUseCaches(false);
      if (connection instanceof HttpsURLConnection https) {
        https.setSSLSocketFactory(sslSocketFactory);
        https.setHostnameVerifier(hostnameVerifier);
      }
      int status = connection.getResponseCode();
      byte[] body;
      try (InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
        body = in == null ? new byte[0] : in.readAllBytes();
      }
      return new Response(status, body.length, settings.digestOf(body));
    }

    @Override
    public String version() {
      return "HttpURLConnection in " + jdkVersion();
    }
  }

  private JdkClients() {}
}
