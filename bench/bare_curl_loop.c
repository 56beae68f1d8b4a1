/* The reference for bench/overhead.sh: the same requests as hcbench's native
 * "Reuse handle, don't save body" row, with nothing around them. One easy handle, the body
 * discarded, `warmup` untimed requests and then `cycles` timed ones; prints requests/s.
 * Usage: bare_curl_loop URL CYCLES [WARMUP] */
#include "bare_common.h"

#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s URL CYCLES [WARMUP]\n", argv[0]);
    return 2;
  }
  const long cycles = atol(argv[2]);
  const long warmup = argc > 3 ? atol(argv[3]) : 0;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, argv[1]);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  long failures = 0;
  for (long i = 0; i < warmup; ++i) failures += curl_easy_perform(curl) != CURLE_OK;
  const double start = now_seconds();
  for (long i = 0; i < cycles; ++i) failures += curl_easy_perform(curl) != CURLE_OK;
  const double wall = now_seconds() - start;
  curl_easy_cleanup(curl);
  curl_global_cleanup();
  if (failures) {
    fprintf(stderr, "%ld requests failed\n", failures);
    return 1;
  }
  printf("%.1f\n", (double)cycles / wall);
  return 0;
}
