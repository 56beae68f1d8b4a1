package hcbench.driver;

/**
 * Connections opened, for the report's connections_opened: the connect() calls of TCP
 * sockets, counted by a small native library that hcbench preloads into the JVM
 * (LD_PRELOAD, drivers/java/native/connect_counter.c). Every client here, whatever its
 * socket layer (java.net.Socket, NIO channels), connects through libc's connect(), so one
 * counter covers them all, as the Python and Node.js drivers wrap their one connect.
 */
final class ConnectCounter {
  private static native long count();

  private static boolean loaded;

  /** Loads the library hcbench preloaded (the same file, so the same counter). */
  static void load() {
    String path = System.getProperty("hcbench.connect_counter", "");
    if (path.isEmpty()) {
      throw new IllegalStateException("-Dhcbench.connect_counter=<libhcbench_connect_counter.so> is not set");
    }
    System.load(path);
    loaded = true;
  }

  static long connections() {
    return loaded ? count() : 0;
  }

  private ConnectCounter() {}
}
