package hcbench.driver;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What a loop counts: one latency per checked success, failures by kind, body bytes. Safe to
 * settle from several threads at once. The latencies array grows as needed rather than being
 * sized for `cycles`, which a cell bounded by duration_seconds may set far beyond what runs.
 */
final class Tally {
  private final Settings settings;
  private long[] latencies;
  private int successes; // guarded by this
  final AtomicLongArray failures = new AtomicLongArray(Failures.KINDS.length);
  final AtomicLong bodyBytes = new AtomicLong();

  Tally(Settings settings, long expected) {
    this.settings = settings;
    latencies = new long[(int) Math.min(Math.max(expected, 16), 1 << 20)];
  }

  /** Counts one finished request: timed if it passed its checks, else a failure of its kind. */
  void settle(long startedNs, long finishedNs, Client.Response response, Throwable error) {
    String kind = error != null ? Failures.kindOf(error) : check(response);
    if (kind == null) {
      record(finishedNs - startedNs);
      bodyBytes.addAndGet(response.length());
    } else {
      failures.incrementAndGet(Failures.index(kind));
    }
  }

  private synchronized void record(long latencyNs) {
    if (successes == latencies.length) latencies = Arrays.copyOf(latencies, successes * 2);
    latencies[successes++] = latencyNs;
  }

  private String check(Client.Response response) {
    if (response.status() != settings.expectedStatus) return "status";
    if (!settings.verify.equals("none") && response.length() != settings.expectedLength) return "length";
    if (settings.wantDigest && !Arrays.equals(response.digest(), settings.expectedDigest)) return "digest";
    return null;
  }

  synchronized int requests() {
    return successes;
  }

  synchronized long latency(int i) {
    return latencies[i];
  }
}
