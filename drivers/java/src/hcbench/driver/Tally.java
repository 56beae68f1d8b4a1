package hcbench.driver;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What a loop counts: one latency per checked success, failures by kind, body bytes. Safe to
 * settle from several threads at once (the latencies go into one preallocated array).
 */
final class Tally {
  private final Settings settings;
  private final long[] latencies;
  private final AtomicInteger successes = new AtomicInteger();
  final AtomicLongArray failures = new AtomicLongArray(Failures.KINDS.length);
  final AtomicLong bodyBytes = new AtomicLong();

  Tally(Settings settings, long capacity) {
    this.settings = settings;
    if (capacity > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("too many cycles");
    latencies = new long[(int) capacity];
  }

  /** Counts one finished request: timed if it passed its checks, else a failure of its kind. */
  void settle(long startedNs, long finishedNs, Client.Response response, Throwable error) {
    String kind = error != null ? Failures.kindOf(error) : check(response);
    if (kind == null) {
      latencies[successes.getAndIncrement()] = finishedNs - startedNs;
      bodyBytes.addAndGet(response.length());
    } else {
      failures.incrementAndGet(Failures.index(kind));
    }
  }

  private String check(Client.Response response) {
    if (response.status() != settings.expectedStatus) return "status";
    if (!settings.verify.equals("none") && response.length() != settings.expectedLength) return "length";
    if (settings.wantDigest && !Arrays.equals(response.digest(), settings.expectedDigest)) return "digest";
    return null;
  }

  int requests() {
    return successes.get();
  }

  long latency(int i) {
    return latencies[i];
  }
}
