import { type TransferTargetsView } from '@parley/contracts';
import { colleagueChoices } from './transfer-targets.model';

const ME = '00000000-0000-4000-8000-000000000001';
const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const colleague = (n: number, name: string) => ({ userId: id(n), name, role: 'agent' as const });

describe('colleagueChoices', () => {
  const colleagues = [colleague(1, 'Me Myself'), colleague(2, 'Wendy Wrapping'), colleague(3, 'Una Unlisted'), colleague(4, 'Ava Available'), colleague(5, 'Rob Ringing'), colleague(6, 'Otto Offline')];
  const targets: TransferTargetsView = {
    queues: [],
    agents: [
      { agentId: ME, state: 'available' },
      { agentId: id(2), state: 'after-call-work' },
      { agentId: id(4), state: 'available' },
      { agentId: id(5), state: 'reserved' },
      { agentId: id(6), state: 'offline' },
    ],
  };

  it('orders by who can take the call soonest, then by name; leaves the agent out; a colleague the acd does not list is offline', () => {
    expect(colleagueChoices(colleagues, targets, ME).map((c) => [c.name, c.state, c.selectable])).toEqual([
      ['Ava Available', 'available', true],
      ['Wendy Wrapping', 'after-call-work', true],
      ['Rob Ringing', 'reserved', true],
      ['Otto Offline', 'offline', false],
      ['Una Unlisted', 'offline', false],
    ]);
  });

  it('without the acd states: everyone selectable by name, state unknown', () => {
    expect(colleagueChoices(colleagues, null, ME).map((c) => [c.name, c.state, c.selectable])).toEqual([
      ['Ava Available', null, true],
      ['Otto Offline', null, true],
      ['Rob Ringing', null, true],
      ['Una Unlisted', null, true],
      ['Wendy Wrapping', null, true],
    ]);
  });
});
