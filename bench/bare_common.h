/* What the bare libcurl loops (bare_curl_loop.c, bare_curl_multi_loop.c) share: a write
 * callback that drops the body, and a monotonic clock in seconds. */
#pragma once

#include <stddef.h>
#include <time.h>

static size_t discard(char* data, size_t size, size_t count, void* user) {
  (void)data;
  (void)user;
  return size * count;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
