/**
 * TF.js has one engine and one active backend per process, so inference from every estimator runs
 * one call at a time through one queue: concurrent calls cannot interleave their backend switches,
 * tensors or reads, and each gets its own result.
 *
 * A call that waited behind another first gives the host one turn of its event loop. On wasm (and
 * the cpu backend) a call's reads resolve at once, so without it a queue of calls would run through
 * in one go, the page neither repainting nor answering input until the last one ended. A lone call
 * pays nothing.
 */
let tail: Promise<unknown> = Promise.resolve();
let waiting = 0;

export function enqueue<T>(task: () => Promise<T>): Promise<T> {
  const behindAnother = waiting > 0;
  waiting++;
  const run = tail.then(async () => {
    try {
      if (behindAnother) await yieldToHost();
      return await task();
    } finally {
      waiting--;
    }
  });
  tail = run.catch(() => undefined);
  return run;
}

/**
 * One macrotask turn: setImmediate in Node; elsewhere a MessageChannel message, which (unlike
 * setTimeout) is not clamped to 4 ms when turns nest, and lets the page render and handle input.
 */
function yieldToHost(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') {
      setImmediate(resolve);
      return;
    }
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
