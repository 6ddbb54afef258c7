import { createRequire } from 'node:module';
import { patchKafkaRequestQueue } from './kafkajs-request-queue.patch';

describe('patchKafkaRequestQueue', () => {
  const load = createRequire(require.resolve('kafkajs'));
  const RequestQueue = load('./src/network/requestQueue') as { prototype: object };
  const queueWith = (pending: unknown[]) =>
    Object.assign(Object.create(RequestQueue.prototype) as Record<string, unknown>, {
      pending,
      throttledUntil: -1,
      throttleCheckTimeoutId: null,
      checkPendingRequests: jest.fn(),
    }) as unknown as { throttleCheckTimeoutId: NodeJS.Timeout | null; scheduleCheckPendingRequests(): void };

  it('applies to the installed kafkajs (fails loudly after an upgrade that moved it)', () => {
    expect(patchKafkaRequestQueue()).toBe(true);
  });

  it('arms no timer for an idle connection, and one for a waiting request', () => {
    patchKafkaRequestQueue();
    const idle = queueWith([]);
    idle.scheduleCheckPendingRequests();
    expect(idle.throttleCheckTimeoutId).toBeNull();
    const busy = queueWith([{}]);
    busy.scheduleCheckPendingRequests();
    expect(busy.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(busy.throttleCheckTimeoutId!);
  });
});
