/**
 * Runs tasks one after the other, in call order. A task that starts before the host has had a turn
 * of its event loop since the last task ended first gives it one: on wasm (and the cpu backend) a
 * call's reads resolve at once, so without it queued calls, or a `for (...) await estimatePose(...)`
 * loop, would run through in one go, the page neither repainting nor answering input until the last
 * one ended. A task that starts after the host has had its turn (a lone call) starts at once.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** how many tasks have ended, and how many of them the host has had a turn since */
  private ended = 0;
  private turnSince = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      if (this.turnSince < this.ended) await yieldToHost();
      try {
        return await task();
      } finally {
        const n = ++this.ended;
        void yieldToHost().then(() => {
          this.turnSince = Math.max(this.turnSince, n);
        });
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * TF.js has one engine and one active backend per process, so inference from every estimator runs
 * one call at a time through this queue: concurrent calls cannot interleave their backend switches,
 * tensors or reads, and each gets its own result.
 */
const inference = new SerialQueue();

export function enqueue<T>(task: () => Promise<T>): Promise<T> {
  return inference.run(task);
}

/**
 * One macrotask turn: setImmediate in Node; elsewhere a MessageChannel message, which lets the page
 * render and handle input and, unlike setTimeout, is neither clamped to 4 ms when turns nest nor
 * throttled in a background tab.
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
