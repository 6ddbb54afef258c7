// The RTP port pool: even ports of a configured range (RFC 3550 §11: RTP on an even port, the odd
// one above it kept for RTCP). Released ports go to the back of the queue, so a port is reused as
// late as possible and stray packets of a finished call do not reach the next one.

export interface PortPoolOptions {
  /** Lowest port (rounded up to even). */
  readonly min: number;
  /** Highest port (inclusive); the last even port ≤ max - 1 is used so its RTCP port stays in range. */
  readonly max: number;
}

export class PortPoolConfigError extends Error {
  override readonly name = 'PortPoolConfigError';
}

/** Every port of the pool is in use: the call cannot get media (answer it with 503). */
export class PortPoolExhaustedError extends Error {
  override readonly name = 'PortPoolExhaustedError';

  constructor(
    readonly min: number,
    readonly max: number,
    readonly capacity: number,
  ) {
    super(`RTP port pool ${min}-${max} exhausted: all ${capacity} even ports are in use`);
  }
}

export class PortPool {
  readonly min: number;
  readonly max: number;
  readonly capacity: number;
  private readonly free: Int32Array;
  private head = 0;
  private count: number;
  private readonly used: Uint8Array;

  constructor(options: PortPoolOptions) {
    const { min, max } = options;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1024 || max > 65535 || min > max) {
      throw new PortPoolConfigError(`RTP port range must be integers within 1024-65535 with min ≤ max, got ${min}-${max}`);
    }
    this.min = min + (min % 2);
    const lastEven = (max - 1) % 2 === 0 ? max - 1 : max - 2;
    if (lastEven < this.min) throw new PortPoolConfigError(`RTP port range ${min}-${max} holds no even port with its RTCP port`);
    this.max = lastEven + 1;
    this.capacity = (lastEven - this.min) / 2 + 1;
    this.free = new Int32Array(this.capacity);
    for (let i = 0; i < this.capacity; i++) this.free[i] = this.min + 2 * i;
    this.count = this.capacity;
    this.used = new Uint8Array(this.capacity);
  }

  /** Ports that can still be acquired. */
  get available(): number {
    return this.count;
  }

  get inUse(): number {
    return this.capacity - this.count;
  }

  /** An even RTP port nobody else holds; throws `PortPoolExhaustedError` when none is left. */
  acquire(): number {
    if (this.count === 0) throw new PortPoolExhaustedError(this.min, this.max, this.capacity);
    const port = this.free[this.head]!;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.used[(port - this.min) / 2] = 1;
    return port;
  }

  /** Gives a port back; false (and no change) when it is not one this pool handed out. */
  release(port: number): boolean {
    if (!this.holds(port)) return false;
    this.used[(port - this.min) / 2] = 0;
    this.free[(this.head + this.count) % this.capacity] = port;
    this.count++;
    return true;
  }

  /** True while `port` is acquired and not yet released. */
  holds(port: number): boolean {
    return Number.isInteger(port) && port >= this.min && port < this.max && port % 2 === 0 && this.used[(port - this.min) / 2] === 1;
  }
}
