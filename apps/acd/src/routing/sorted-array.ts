/**
 * An array kept sorted by a total order (ties must not happen: the comparator ends with a unique
 * id). Binary search finds the place; `splice` moves the rest, which is a memmove and fast for the
 * sizes a queue has (thousands).
 */
export class SortedArray<T> {
  private readonly list: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.list.length;
  }

  /** The items in order; do not modify. */
  get items(): readonly T[] {
    return this.list;
  }

  at(index: number): T | undefined {
    return this.list[index];
  }

  /** The index of the first item not before `probe`. */
  lowerBound(probe: T): number {
    let low = 0;
    let high = this.list.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(this.list[middle] as T, probe) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  insert(item: T): void {
    const index = this.lowerBound(item);
    if (index === this.list.length) this.list.push(item);
    else this.list.splice(index, 0, item);
  }

  /** Removes the item equal to `probe` under the comparator; false if there is none. */
  remove(probe: T): boolean {
    const index = this.lowerBound(probe);
    const found = this.list[index];
    if (found === undefined || this.compare(found, probe) !== 0) return false;
    this.list.splice(index, 1);
    return true;
  }
}
