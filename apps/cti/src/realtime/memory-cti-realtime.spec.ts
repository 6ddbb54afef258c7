import { randomUUID } from 'node:crypto';
import { type CtiSignal } from './cti-realtime.port';
import { memoryCtiRealtime } from './memory-cti-realtime';

const claims = { tenantId: randomUUID(), userId: randomUUID(), role: 'agent' as const, mode: 'agent' as const };

describe('memoryCtiRealtime', () => {
  it('takes a ticket once, and not after it expired', async () => {
    let now = 1_000_000;
    const realtime = memoryCtiRealtime(() => now);
    const ticket = await realtime.tickets.issue(claims, 30);
    expect(await realtime.tickets.take(ticket)).toEqual(claims);
    expect(await realtime.tickets.take(ticket)).toBeNull();
    const late = await realtime.tickets.issue(claims, 30);
    now += 30_000;
    expect(await realtime.tickets.take(late)).toBeNull();
    expect(await realtime.tickets.take('made-up')).toBeNull();
  });

  it('numbers the desktops of each agent on its own, and delivers signals in order to every listener', async () => {
    const realtime = memoryCtiRealtime();
    expect([await realtime.nextDesktopSequence('t', 'a'), await realtime.nextDesktopSequence('t', 'a'), await realtime.nextDesktopSequence('t', 'b')]).toEqual([1, 2, 1]);
    const seen: CtiSignal[][] = [[], []];
    const stops = await Promise.all(seen.map((list) => realtime.subscribe((s) => list.push(s))));
    const one: CtiSignal = { kind: 'desktop-revoked', tenantId: claims.tenantId, agentId: claims.userId };
    const two: CtiSignal = { kind: 'push', tenantId: claims.tenantId, audience: { agentIds: [], supervisors: true }, message: { type: 'server.draining' } };
    await realtime.publish(one);
    await realtime.publish(two);
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([[one, two], [one, two]]);
    await stops[0]!();
    await realtime.publish(one);
    await new Promise((r) => setImmediate(r));
    expect(seen[0]).toHaveLength(2);
    expect(seen[1]).toHaveLength(3);
  });
});
