/* The reference for bench/overhead_concurrent.sh: the same requests as hcbench's native
 * "Reuse handle, don't save body" row at concurrency N (the curl multi interface, N easy
 * handles, each re-added as soon as its transfer ends), with nothing around them: no per-
 * request clock, no check beyond the transfer's result. `warmup` untimed requests first,
 * then `cycles` timed ones; prints requests/s.
 * Usage: bare_curl_multi_loop URL CYCLES CONCURRENCY [WARMUP] */
#include "bare_common.h"

#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Runs `total` transfers with at most `n` in flight; returns the failures. */
static long run(CURLM* multi, CURL** handles, long n, long total) {
  long started = 0, done = 0, failures = 0;
  for (long i = 0; i < n && started < total; ++i, ++started)
    curl_multi_add_handle(multi, handles[i]);
  while (done < total) {
    int running = 0;
    curl_multi_perform(multi, &running);
    CURLMsg* msg;
    int left = 0;
    while ((msg = curl_multi_info_read(multi, &left))) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      failures += msg->data.result != CURLE_OK;
      ++done;
      curl_multi_remove_handle(multi, easy);
      if (started < total) {
        curl_multi_add_handle(multi, easy);
        ++started;
      }
    }
    if (done < total) curl_multi_poll(multi, NULL, 0, 1000, NULL);
  }
  return failures;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s URL CYCLES CONCURRENCY [WARMUP]\n", argv[0]);
    return 2;
  }
  const long cycles = atol(argv[2]);
  const long n = atol(argv[3]);
  const long warmup = argc > 4 ? atol(argv[4]) : 0;
  if (cycles < 1 || n < 1) {
    fprintf(stderr, "CYCLES and CONCURRENCY must be positive\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, n);
  CURL** handles = calloc((size_t)n, sizeof *handles);
  for (long i = 0; i < n; ++i) {
    handles[i] = curl_easy_init();
    curl_easy_setopt(handles[i], CURLOPT_URL, argv[1]);
    curl_easy_setopt(handles[i], CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(handles[i], CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handles[i], CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(handles[i], CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(handles[i], CURLOPT_SSL_VERIFYHOST, 0L);
  }
  long failures = warmup > 0 ? run(multi, handles, n, warmup) : 0;
  const double start = now_seconds();
  failures += run(multi, handles, n, cycles);
  const double wall = now_seconds() - start;
  for (long i = 0; i < n; ++i) curl_easy_cleanup(handles[i]);
  free(handles);
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  if (failures) {
    fprintf(stderr, "%ld requests failed\n", failures);
    return 1;
  }
  printf("%.1f\n", (double)cycles / wall);
  return 0;
}
