import { type AcdAgentState, type TransferTargetsView } from '@parley/contracts';
import { type ColleagueView } from '../../api/agent-api.client';

/** A colleague in the transfer picker: name from the tenant service, live routing state from the acd. */
export interface ColleagueChoice {
  agentId: string;
  name: string;
  /** Null while the acd's states are not known (not loaded, or failed): the colleague stays selectable. */
  state: AcdAgentState | null;
  /** Offline colleagues cannot take a call. */
  selectable: boolean;
}

/** Who is most likely to take the call first: available, then soon free, then busy, offline last. */
const STATE_RANK: Readonly<Record<AcdAgentState, number>> = { available: 0, 'after-call-work': 1, reserved: 2, 'on-call': 3, break: 4, offline: 6 };
const UNKNOWN_RANK = 5;

/**
 * The colleagues an agent may transfer to, without the agent itself, in picking order (by state,
 * then by name). A colleague the acd does not list has no routing state there: offline.
 */
export function colleagueChoices(colleagues: readonly ColleagueView[], targets: TransferTargetsView | null, selfId: string): ColleagueChoice[] {
  const states = targets ? new Map(targets.agents.map((a) => [a.agentId, a.state])) : null;
  return colleagues
    .filter((c) => c.userId !== selfId)
    .map((c): ColleagueChoice => {
      const state = states ? (states.get(c.userId) ?? 'offline') : null;
      return { agentId: c.userId, name: c.name, state, selectable: state !== 'offline' };
    })
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.agentId.localeCompare(b.agentId));
}

const rank = (choice: ColleagueChoice): number => (choice.state === null ? UNKNOWN_RANK : STATE_RANK[choice.state]);
