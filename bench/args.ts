/** Command-line checks shared by the bench scripts (eval, bench, bench:stages): one usage line, exit codes 0 and 2. */
export function scriptArgs(usage: string) {
  /** A usage error: the message and the usage line on stderr, exit code 2. */
  function fail(message: string): never {
    console.error(`${message}\n${usage}`);
    process.exit(2);
  }
  /** With --help: the usage line on stdout, exit code 0. */
  function help(asked: boolean | undefined): void {
    if (!asked) return;
    console.log(usage);
    process.exit(0);
  }
  /** A positive integer option (undefined when absent); anything else is a usage error. */
  function positiveInt(value: string, name: string): number;
  function positiveInt(value: string | undefined, name: string): number | undefined;
  function positiveInt(value: string | undefined, name: string): number | undefined {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got ${value}`);
    return n;
  }
  return { fail, help, positiveInt };
}
