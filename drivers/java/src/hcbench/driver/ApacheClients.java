package hcbench.driver;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.client5.http.ssl.SSLConnectionSocketFactoryBuilder;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;
import org.apache.hc.core5.util.VersionInfo;

/**
 * Apache HttpClient 5 (Debian's libhttpclient5-java, 5.2), the classic blocking API: one
 * CloseableHttpClient over a pooling connection manager of `concurrency` connections (N
 * threads at concurrency N), each response read by a response handler, which releases its
 * connection. Automatic retries, redirects, cookies and content compression are off. The
 * no-reuse row's ConnectionReuseStrategy says never, so each connection is closed after its
 * response.
 */
final class ApacheClients {
  static Client create(Settings settings) throws Exception {
    return switch (settings.client) {
      case "apache" -> new Apache(settings, true, true);
      case "apache.discard-body" -> new Apache(settings, true, false);
      case "apache.no-reuse" -> new Apache(settings, false, true);
      default -> null;
    };
  }

  static final class Apache implements Client {
    private final Settings settings;
    private final CloseableHttpClient client;
    private final boolean saveBody;

    Apache(Settings settings, boolean keepAlive, boolean saveBody) throws Exception {
      this.settings = settings;
      this.saveBody = saveBody;
      Timeout timeout = Timeout.of(settings.timeout);
      PoolingHttpClientConnectionManagerBuilder connections = PoolingHttpClientConnectionManagerBuilder.create()
          .setMaxConnPerRoute(settings.concurrency)
          .setMaxConnTotal(settings.concurrency)
          .setDefaultConnectionConfig(
              ConnectionConfig.custom().setConnectTimeout(timeout).setSocketTimeout(timeout).build());
      if (settings.https()) {
        SSLConnectionSocketFactoryBuilder tls = SSLConnectionSocketFactoryBuilder.create().setSslContext(settings.sslContext());
        if (settings.insecure) tls.setHostnameVerifier(NoopHostnameVerifier.INSTANCE);
        connections.setSSLSocketFactory(tls.build());
      }
      HttpClientBuilder builder = HttpClients.custom()
          .setConnectionManager(connections.build())
          .setDefaultRequestConfig(
              RequestConfig.custom().setConnectionRequestTimeout(timeout).setResponseTimeout(timeout).build())
          .disableAutomaticRetries()
          .disableRedirectHandling()
          .disableCookieManagement()
          .disableContentCompression();
      if (!keepAlive) builder.setConnectionReuseStrategy((request, response, context) -> false);
      client = builder.build();
    }

    @Override
    public Response fetch() throws Exception {
      return client.execute(new HttpGet(settings.url), response -> {
        HttpEntity entity = response.getEntity();
        if (entity == null) return new Response(response.getCode(), 0, settings.digestOf(new byte[0]));
        if (saveBody) {
          byte[] bytes = EntityUtils.toByteArray(entity);
          return new Response(response.getCode(), bytes.length, settings.digestOf(bytes));
        }
        return new BodyCounter(settings).drain(entity.getContent()).response(response.getCode());
      });
    }

    @Override
    public String version() {
      VersionInfo info = VersionInfo.loadVersionInfo("org.apache.hc.client5", HttpClients.class.getClassLoader());
      return "Apache HttpClient " + (info != null ? info.getRelease() : "5");
    }

    @Override
    public void close() throws java.io.IOException {
      client.close();
    }
  }

  private ApacheClients() {}
}
