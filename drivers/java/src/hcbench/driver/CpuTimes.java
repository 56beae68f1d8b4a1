package hcbench.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's CPU time, user and system, all threads (JIT compiler and garbage collector
 * included): /proc/self/stat's utime and stime. They count clock ticks of 1/100 s (USER_HZ
 * is 100 on every Linux ABI hcbench runs on), so a cell should run for seconds, not
 * milliseconds, for its CPU per request to mean something; hcbench's process_cpu has the
 * whole run at microseconds.
 */
record CpuTimes(double userSeconds, double systemSeconds) {
  private static final double TICK_SECONDS = 0.01;

  static CpuTimes now() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return new CpuTimes(Long.parseLong(fields[11]) * TICK_SECONDS, Long.parseLong(fields[12]) * TICK_SECONDS);
  }

  CpuTimes since(CpuTimes before) {
    return new CpuTimes(Math.max(0, userSeconds - before.userSeconds), Math.max(0, systemSeconds - before.systemSeconds));
  }
}
