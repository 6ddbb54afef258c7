// A small typed event emitter. A listener that throws never breaks the stack: the error goes to
// the emitter's error sink (the stack's logger).

export type SipListener<Args extends unknown[]> = (...args: Args) => void;

export type SipErrorSink = (error: unknown, context: string) => void;

/** Where listener errors go when nothing else was set: a process warning, never a crash. */
export const defaultErrorSink: SipErrorSink = (error, context) => {
  process.emitWarning(`@parley/sip: ${context}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
};

export class SipEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Array<SipListener<never[]>>>();
  protected errorSink: SipErrorSink = defaultErrorSink;

  on<K extends keyof Events>(event: K, listener: SipListener<Events[K]>): this {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as unknown as SipListener<never[]>);
    this.listeners.set(event, list);
    return this;
  }

  once<K extends keyof Events>(event: K, listener: SipListener<Events[K]>): this {
    const wrapper: SipListener<Events[K]> = (...args) => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  off<K extends keyof Events>(event: K, listener: SipListener<Events[K]>): this {
    const list = this.listeners.get(event);
    if (list) {
      const i = list.indexOf(listener as unknown as SipListener<never[]>);
      if (i !== -1) list.splice(i, 1);
    }
    return this;
  }

  listenerCount<K extends keyof Events>(event: K): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const list = this.listeners.get(event);
    if (!list || list.length === 0) return;
    for (const listener of list.slice()) {
      try {
        (listener as unknown as SipListener<Events[K]>)(...args);
      } catch (error) {
        this.errorSink(error, `listener for "${String(event)}" threw`);
      }
    }
  }

  /** @internal the stack routes listener errors to its logger */
  setErrorSink(sink: SipErrorSink): void {
    this.errorSink = sink;
  }
}
