package hcbench.driver;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The failure kind of a library's exception (docs/drivers.md, section 4). Libraries wrap the
 * root cause (an IOException around an SSLHandshakeException, a CompletionException around
 * everything asynchronous), so the innermost exception in the cause chain that names a kind
 * decides, by the simple names of its classes, most specific first.
 */
final class Failures {
  static final String[] KINDS = {"connect", "tls", "timeout", "status", "length", "digest", "protocol", "other"};

  private static final String[][] NAME_RULES = {
    {"tls", "SSL", "Certificate"},
    {"timeout", "Timeout", "InterruptedIO"},
    {"length", "ConnectionClosed", "TruncatedChunk"},
    {"protocol", "Protocol", "MalformedChunk", "Parse"},
    {"connect", "Connect", "NoHttpResponse", "NoRouteToHost", "Socket", "ClosedChannel", "EOF"},
  };

  static int index(String kind) {
    for (int i = 0; i < KINDS.length; i++) if (KINDS[i].equals(kind)) return i;
    throw new IllegalArgumentException(kind);
  }

  /**
   * A bug of the driver or of a client's set-up is not a failed request: it is rethrown and
   * ends the cell with the reason.
   */
  static String kindOf(Throwable error) {
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    String found = "other";
    for (Throwable item = error; item != null && seen.put(item, true) == null; item = item.getCause()) {
      if (item instanceof NullPointerException || item instanceof ClassCastException
          || item instanceof IllegalStateException || item instanceof Error) {
        throw new IllegalStateException("the client failed, not the request: " + item, item);
      }
      String kind = kindOfOne(item);
      if (kind != null) found = kind;
    }
    return found;
  }

  private static String kindOfOne(Throwable item) {
    // OkHttp says both with one message and a generic class: a connection closed before the
    // response ("unexpected end of stream on <url>") and a body cut short (without " on ").
    String message = String.valueOf(item.getMessage());
    if (message.startsWith("unexpected end of stream on ")) return "connect";
    if (message.startsWith("unexpected end of stream") || message.startsWith("Premature end")) return "length";
    for (Class<?> type = item.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
      String name = type.getSimpleName();
      for (String[] rule : NAME_RULES) {
        for (int i = 1; i < rule.length; i++) if (name.contains(rule[i])) return rule[0];
      }
    }
    return null;
  }

  private Failures() {}
}
