package hcbench.driver;

import java.net.Proxy;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.ResponseBody;

/**
 * OkHttp (Debian's libokhttp-java, 3.13): one OkHttpClient and one Request, each call
 * executed synchronously (N threads at concurrency N). Reuse is its ConnectionPool: kept
 * alive as OkHttp does by default (at least `concurrency` idle connections), or a pool that
 * keeps no idle connection, which closes every connection once its response is read.
 * Retries on connection failure are off, so a failure is counted once.
 */
final class OkHttpClients {
  static Client create(Settings settings) throws Exception {
    return switch (settings.client) {
      case "okhttp" -> new OkHttp(settings, true, true);
      case "okhttp.discard-body" -> new OkHttp(settings, true, false);
      case "okhttp.no-reuse" -> new OkHttp(settings, false, true);
      default -> null;
    };
  }

  static final class OkHttp implements Client {
    private final Settings settings;
    private final OkHttpClient client;
    private final Request request;
    private final boolean saveBody;

    OkHttp(Settings settings, boolean keepAlive, boolean saveBody) throws Exception {
      this.settings = settings;
      this.saveBody = saveBody;
      ConnectionPool pool = keepAlive
          ? new ConnectionPool(Math.max(5, settings.concurrency), 5, TimeUnit.MINUTES)
          : new ConnectionPool(0, 1, TimeUnit.MILLISECONDS);
      OkHttpClient.Builder builder = new OkHttpClient.Builder()
          .proxy(Proxy.NO_PROXY)
          .protocols(List.of(Protocol.HTTP_1_1))
          .retryOnConnectionFailure(false)
          .followRedirects(false)
          .connectionPool(pool)
          .connectTimeout(settings.timeout)
          .readTimeout(settings.timeout)
          .writeTimeout(settings.timeout)
          .callTimeout(settings.timeout);
      if (settings.https()) {
        X509TrustManager trust = settings.trustManager();
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new X509TrustManager[] {trust}, null);
        builder.sslSocketFactory(context.getSocketFactory(), trust);
        if (settings.insecure) builder.hostnameVerifier((host, session) -> true);
      }
      client = builder.build();
      request = new Request.Builder().url(settings.url.toString()).build();
    }

    @Override
    public Response fetch() throws Exception {
      Call call = client.newCall(request);
      try (okhttp3.Response response = call.execute(); ResponseBody body = response.body()) {
        if (saveBody) {
          byte[] bytes = body.bytes();
          return new Response(response.code(), bytes.length, settings.digestOf(bytes));
        }
        return new BodyCounter(settings).drain(body.byteStream()).response(response.code());
      }
    }

    @Override
    public String version() {
      return okhttp3.internal.Version.userAgent().replace('/', ' ');
    }

    @Override
    public void close() {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  private OkHttpClients() {}
}
