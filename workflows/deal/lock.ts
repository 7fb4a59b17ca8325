/**
 * The deal's write lock: work runs one piece at a time, in call order. An update handler
 * holds it from the machine's check to the end of its write, so an event is applied to the
 * state only once its row is in the log, and the next one is checked against that state.
 */
export class WriteLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves once everything queued so far has run. */
  idle(): Promise<unknown> {
    return this.tail;
  }
}
