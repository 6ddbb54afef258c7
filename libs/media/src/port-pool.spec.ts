import { PortPool, PortPoolConfigError, PortPoolExhaustedError } from './port-pool';

describe('PortPool', () => {
  it('hands out distinct even ports of the range, each with its RTCP port inside it', () => {
    const pool = new PortPool({ min: 20001, max: 20010 });
    const ports = [pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()];
    expect(ports).toEqual([20002, 20004, 20006, 20008]);
    expect(pool.capacity).toBe(4);
    expect(pool.available).toBe(0);
    expect(pool.inUse).toBe(4);
  });

  it('throws an explicit error when exhausted, and works again after a release', () => {
    const pool = new PortPool({ min: 20000, max: 20003 });
    expect(pool.acquire()).toBe(20000);
    expect(pool.acquire()).toBe(20002);
    expect(() => pool.acquire()).toThrow(PortPoolExhaustedError);
    expect(() => pool.acquire()).toThrow('RTP port pool 20000-20003 exhausted: all 2 even ports are in use');
    expect(pool.release(20002)).toBe(true);
    expect(pool.acquire()).toBe(20002);
  });

  it('reuses a released port only after every other free port', () => {
    const pool = new PortPool({ min: 20000, max: 20009 });
    const first = pool.acquire();
    pool.release(first);
    const next = [pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()];
    expect(next).toEqual([20002, 20004, 20006, 20008, 20000]);
  });

  it('ignores double releases and ports it never handed out', () => {
    const pool = new PortPool({ min: 20000, max: 20009 });
    const port = pool.acquire();
    expect(pool.release(port)).toBe(true);
    expect(pool.release(port)).toBe(false);
    expect(pool.release(20001)).toBe(false);
    expect(pool.release(30000)).toBe(false);
    expect(pool.available).toBe(5);
    expect(pool.holds(port)).toBe(false);
  });

  it('serves a 20000-29999 range of 5,000 calls', () => {
    const pool = new PortPool({ min: 20000, max: 29999 });
    expect(pool.capacity).toBe(5000);
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) seen.add(pool.acquire());
    expect(seen.size).toBe(5000);
    expect(Math.max(...seen)).toBe(29998);
    expect(() => pool.acquire()).toThrow(PortPoolExhaustedError);
  });

  it.each([
    [{ min: 30000, max: 20000 }],
    [{ min: 80, max: 2000 }],
    [{ min: 20000, max: 70000 }],
    [{ min: 20001, max: 20002 }],
  ])('rejects the range %j', (range) => {
    expect(() => new PortPool(range)).toThrow(PortPoolConfigError);
  });
});
