#!/bin/sh
# A fake client driver for tests of the driver runner (tests/client/driver_runner_test.cpp).
# FAKE_MODE picks a behaviour: report, lie, crash, hang, garbage, silent, fail, skip, spam.
# It reads the cell's settings from stdin and takes "cycles" from them, as a real driver does.
input=$(cat)
cycles=$(printf '%s' "$input" | sed -n 's/.*"cycles":\([0-9]*\).*/\1/p')
latencies=$(i=1; sep=''; while [ "$i" -le "$cycles" ]; do printf '%s%d' "$sep" $((1000 * i)); sep=','; i=$((i + 1)); done)
report() {
  printf '{"protocol":1,"status":"ok","requests":%d,"failures":%s,"wall_seconds":0.5,' "$1" "$2"
  printf '"cpu":{"user_seconds":0.25,"system_seconds":0.125},"latencies_ns":[%s],"body_bytes":%d}\n' "$3" $((1024 * $1))
}
case "$FAKE_MODE" in
  report)
    echo "a line of chatter before the report is ignored"
    report "$cycles" '{}' "$latencies" ;;
  failures)  # all but one succeed; one status failure
    report $((cycles - 1)) '{"status":1}' "${latencies%,*}" ;;
  lie)       # claims one more success than it was asked to make
    report $((cycles + 1)) '{}' "$latencies,1" ;;
  crash)
    echo "about to crash" >&2
    kill -SEGV $$ ;;
  hang)      # a driver stuck in the middle of its loop, with a child process of its own
    sleep 300 &
    echo $! > "$FAKE_PID_FILE"
    wait ;;
  garbage)
    echo "Segmentation fault? no: just garbage" ;;
  silent)
    : ;;
  fail)
    echo "Traceback (most recent call last):" >&2
    echo "ZeroDivisionError: division by zero" >&2
    exit 3 ;;
  skip)
    echo '{"protocol":1,"status":"skipped","reason":"module fake is not installed"}' ;;
  echo)      # prints what it was given, for checking the input
    printf '%s\n' "$input" >&2
    printf '%s\n' "$input" > "$FAKE_INPUT_FILE"
    report "$cycles" '{}' "$latencies" ;;
  *)
    echo "unknown FAKE_MODE '$FAKE_MODE'" >&2; exit 2 ;;
esac
