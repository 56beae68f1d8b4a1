package hcbench.driver;

/** The client cannot run here (its library is not installed): the row is skipped, with why. */
final class Skip extends RuntimeException {
  private static final long serialVersionUID = 1L;

  Skip(String reason) {
    super(reason);
  }
}
