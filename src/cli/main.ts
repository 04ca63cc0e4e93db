/**
 * The `cpm-pose` bin (built to dist/cli.js with a shebang). Everything else is in run.ts.
 */
import { runCli } from './run.js';

let interrupts = 0;
runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  onInterrupt(handler) {
    const onSigint = () => {
      // first Ctrl-C: finish the current photo, close the JSON, print the summary; second: stop now
      if (++interrupts > 1) process.exit(130);
      handler();
    };
    process.on('SIGINT', onSigint);
    return () => process.off('SIGINT', onSigint);
  },
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`cpm-pose: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 2;
  },
);
