/**
 * Expected command-line failures: each is reported as one line (never a stack trace) and ends the
 * command with its exit code.
 */
export class CliError extends Error {
  override name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** The command line itself is wrong (exit 2); the usage text follows the message. */
export class UsageError extends CliError {
  override name = 'UsageError';

  constructor(message: string) {
    super(message, 2);
  }
}

/** The input file or its data cannot be evaluated (exit 1). */
export class InputError extends CliError {
  override name = 'InputError';

  constructor(message: string) {
    super(message, 1);
  }
}
