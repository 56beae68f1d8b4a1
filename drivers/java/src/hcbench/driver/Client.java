package hcbench.driver;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * One client library in one configuration, set up before the timed loop. fetch() makes one
 * request and reads the whole body; it throws on a transport error. Thread-safe: at
 * concurrency N, N threads call fetch() at once (or N fetchAsync() are in flight).
 */
interface Client extends AutoCloseable {
  /** What one request returned, for the checks: status, body length, SHA-256 or null. */
  record Response(int status, long length, byte[] digest) {}

  Response fetch() throws Exception;

  /**
   * Asynchronous clients (marked Loop.AsyncCapable) run N requests in flight this way
   * instead of N threads.
   */
  default CompletableFuture<Response> fetchAsync() {
    throw new UnsupportedOperationException("a blocking client");
  }

  /** "okhttp 3.13.1": the library and its version, for the report. */
  String version();

  @Override
  default void close() throws IOException {}
}
