package hcbench.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs `count` requests with `concurrency` of them in flight, each timed from its start to
 * its checked end. Sequential on the calling thread at concurrency 1; at N, either N
 * threads each making blocking requests, or N asynchronous requests in flight for a client
 * whose library is asynchronous (java.net.http's sendAsync). With a deadline, no request
 * starts after it.
 */
final class Loop {
  private final Client client;
  private final Settings settings;
  private final long count;
  private final boolean hasDeadline;
  private final long deadlineNs;
  private final AtomicLong started = new AtomicLong();
  private volatile boolean stopped;
  final Tally tally;

  /** A loop without a deadline (the warm-up, or a cell without duration_seconds). */
  Loop(Client client, Settings settings, long count) {
    this(client, settings, count, false, 0);
  }

  Loop(Client client, Settings settings, long count, boolean hasDeadline, long deadlineNs) {
    this.client = client;
    this.settings = settings;
    this.count = count;
    this.hasDeadline = hasDeadline;
    this.deadlineNs = deadlineNs;
    this.tally = new Tally(settings, count);
  }

  Tally run() throws Exception {
    int workers = (int) Math.min(settings.concurrency, count);
    if (workers <= 0) return tally;
    if (workers == 1) {
      blockingWorker();
    } else if (client instanceof AsyncCapable) {
      runAsync(workers);
    } else {
      runThreads(workers);
    }
    return tally;
  }

  /** Marks a client whose fetchAsync() is how it runs concurrently. */
  interface AsyncCapable {}

  private boolean claim() {
    return !stopped && started.getAndIncrement() < count;
  }

  private void finished(long now) {
    if (hasDeadline && now - deadlineNs >= 0) stopped = true;
  }

  private void blockingWorker() {
    while (claim()) {
      long begin = System.nanoTime();
      Client.Response response = null;
      Throwable error = null;
      try {
        response = client.fetch();
      } catch (Exception e) {
        error = e;
      }
      long end = System.nanoTime();
      tally.settle(begin, end, response, error);
      finished(end);
    }
  }

  private void runThreads(int workers) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    List<Throwable> crashes = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      Thread thread = new Thread(this::blockingWorker, "hcbench-worker-" + i);
      thread.setUncaughtExceptionHandler((t, e) -> {
        synchronized (crashes) {
          crashes.add(e);
        }
        stopped = true;
      });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) thread.join();
    if (!crashes.isEmpty()) throw new IllegalStateException(crashes.get(0).getMessage(), crashes.get(0));
  }

  private void runAsync(int workers) {
    CompletableFuture<Void> all = new CompletableFuture<>();
    AtomicInteger active = new AtomicInteger(workers);
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      if (!claim()) {
        if (active.decrementAndGet() == 0) all.complete(null);
        return;
      }
      long begin = System.nanoTime();
      CompletableFuture<Client.Response> request;
      try {
        request = client.fetchAsync();
      } catch (Exception e) {
        request = CompletableFuture.failedFuture(e);
      }
      java.util.function.BiConsumer<Client.Response, Throwable> done = (response, error) -> {
        long end = System.nanoTime();
        try {
          tally.settle(begin, end, response, error);
        } catch (RuntimeException e) {
          all.completeExceptionally(e);
          stopped = true;
        }
        finished(end);
        next[0].run();
      };
      // A request that completed at once would otherwise chain the next one on this stack.
      if (request.isDone()) request.whenCompleteAsync(done);
      else request.whenComplete(done);
    };
    for (int i = 0; i < workers; i++) next[0].run();
    all.join();
  }
}
