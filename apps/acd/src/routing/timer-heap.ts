/** A min-heap of timers by time, then by insertion order (so timers due together fire in the order they were set). */
export interface HeapTimer<T> {
  at: number;
  seq: number;
  task: T;
}

export class TimerHeap<T> {
  private readonly heap: HeapTimer<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  peekAt(): number | null {
    return this.heap[0]?.at ?? null;
  }

  push(at: number, task: T): void {
    if (!Number.isFinite(at)) throw new RangeError(`timer time must be finite, got ${at}`);
    const timer: HeapTimer<T> = { at, seq: this.seq++, task };
    const heap = this.heap;
    heap.push(timer);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(timer, heap[parent] as HeapTimer<T>)) break;
      heap[index] = heap[parent] as HeapTimer<T>;
      index = parent;
    }
    heap[index] = timer;
  }

  /** Removes and returns the earliest timer due at or before `now`, or undefined. */
  popDue(now: number): HeapTimer<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined || top.at > now) return undefined;
    const last = heap.pop() as HeapTimer<T>;
    if (heap.length > 0) {
      let index = 0;
      const length = heap.length;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= length) break;
        const right = left + 1;
        const child = right < length && before(heap[right] as HeapTimer<T>, heap[left] as HeapTimer<T>) ? right : left;
        if (!before(heap[child] as HeapTimer<T>, last)) break;
        heap[index] = heap[child] as HeapTimer<T>;
        index = child;
      }
      heap[index] = last;
    }
    return top;
  }
}

function before<T>(a: HeapTimer<T>, b: HeapTimer<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
