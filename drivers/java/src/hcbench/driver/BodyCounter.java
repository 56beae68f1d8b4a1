package hcbench.driver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * A body that is not saved: its bytes are counted, and hashed as they pass when the cell
 * checks digests (pycurl writing to `lambda x: None` in the original's terms).
 */
final class BodyCounter {
  private final MessageDigest digest;
  private long length;

  BodyCounter(Settings settings) {
    digest = settings.newDigest();
  }

  void add(ByteBuffer buffer) {
    length += buffer.remaining();
    if (digest != null) digest.update(buffer);
  }

  void add(byte[] bytes, int offset, int count) {
    length += count;
    if (digest != null) digest.update(bytes, offset, count);
  }

  /** Reads the stream to its end through one reusable buffer per thread. */
  BodyCounter drain(InputStream in) throws IOException {
    byte[] buffer = BUFFER.get();
    for (int n; (n = in.read(buffer)) >= 0; ) add(buffer, 0, n);
    return this;
  }

  Client.Response response(int status) {
    return new Client.Response(status, length, digest == null ? null : digest.digest());
  }

  private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[64 * 1024]);
}
