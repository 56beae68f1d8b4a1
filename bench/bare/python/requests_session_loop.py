"""The bare loop beside hcbench's python.requests.session row (bench/overhead_drivers.sh).

The same requests as the driver's row, with nothing around them: one requests.Session sending
one prepared GET, the body read (response.content) and dropped, the status checked and
nothing else; no clock per request, one clock read at the start of the timed loop and one at
its end. The Session is set up as the driver sets it up (drivers/python/hcbench_driver.py,
requests_session: send() with verify=False and the request timeout) and the garbage
collector is off during the timed loop, as the driver has it, so that what differs between
the two is the driver's measuring alone. Run with /usr/bin/python3 -I -B, as hcbench runs
the driver.

Usage: requests_session_loop.py URL CYCLES WARMUP   (prints requests/s)
"""

import gc
import sys
import time

import requests

# hcbench run's default --timeout, which the driver's row passes on every send().
TIMEOUT_SECONDS = 30.0


def main():
    if len(sys.argv) != 4:
        sys.stderr.write(f"usage: {sys.argv[0]} URL CYCLES WARMUP\n")
        return 2
    url, cycles, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    session = requests.Session()
    prepared = requests.Request("GET", url).prepare()

    def run(count):
        failures = 0
        for _ in range(count):
            response = session.send(prepared, verify=False, timeout=TIMEOUT_SECONDS)
            response.content  # read the whole body, and drop it
            failures += response.status_code != 200
        return failures

    failures = run(warmup)
    gc.collect()
    gc.disable()
    started = time.perf_counter()
    failures += run(cycles)
    wall = time.perf_counter() - started
    gc.enable()
    session.close()
    if failures:
        sys.stderr.write(f"{failures} requests failed\n")
        return 1
    print(f"{cycles / wall:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
