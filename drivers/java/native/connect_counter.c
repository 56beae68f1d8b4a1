// Counts the TCP connections a JVM opens, for the Java driver's connections_opened.
//
// hcbench starts the driver with LD_PRELOAD pointing at this library, so its connect()
// comes before libc's for every caller in the process (the JDK's socket and NIO code call
// libc's connect()); the driver then System.load()s the same file, which the dynamic linker
// resolves to the copy already loaded, and reads the counter through JNI.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <jni.h>
#include <stdatomic.h>
#include <sys/socket.h>

static atomic_ulong tcp_connects;

int connect(int fd, const struct sockaddr* address, socklen_t length) {
  static int (*real_connect)(int, const struct sockaddr*, socklen_t);
  if (real_connect == NULL) {
    real_connect = (int (*)(int, const struct sockaddr*, socklen_t))dlsym(RTLD_NEXT, "connect");
  }
  if (address != NULL && (address->sa_family == AF_INET || address->sa_family == AF_INET6)) {
    // Only stream sockets: a UDP connect() (a resolver's) opens no connection.
    int type = 0;
    socklen_t size = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) == 0 && type == SOCK_STREAM) {
      atomic_fetch_add_explicit(&tcp_connects, 1, memory_order_relaxed);
    }
  }
  return real_connect(fd, address, length);
}

JNIEXPORT jlong JNICALL Java_hcbench_driver_ConnectCounter_count(JNIEnv* env, jclass type) {
  (void)env;
  (void)type;
  return (jlong)atomic_load_explicit(&tcp_connects, memory_order_relaxed);
}
