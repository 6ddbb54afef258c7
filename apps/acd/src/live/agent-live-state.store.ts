import { z } from 'zod';
import { agentStates, type AgentState } from '../routing/agent-state.machine';

/**
 * An agent's live routing state, as the engine that runs the agent's tenant keeps it (written at
 * every change): what HTTP reads, what reservations check, and what another instance adopts when
 * it takes the tenant over. Times are epoch ms.
 */
export interface AgentLiveState {
  agentId: string;
  state: AgentState;
  /** The break reason code; null outside a break. */
  reason: string | null;
  since: number;
  /** The call the state is about (reserved, on-call, after-call work), if any. */
  callId: string | null;
  idleSince: number;
  busyMs: number;
  availableMs: number;
  missedOffers: number;
  /** The offer the engine holds the agent for (through after-call work), with its call. */
  holdOfferId: string | null;
  holdCallId: string | null;
  /** When the after-call work ends (state after-call-work only). */
  acwEndsAt: number | null;
  /** The engine instance that made the change. */
  by: string;
}

const epochMs = z.coerce.number().finite().nonnegative();
const nullableText = z.string().transform((value) => (value === '' ? null : value));

/** The stored form: every field a string (a Redis hash); empty string is null. */
export const storedAgentLiveStateSchema = z.object({
  agentId: z.string().min(1),
  state: z.enum(agentStates),
  reason: nullableText,
  since: epochMs,
  callId: nullableText,
  idleSince: epochMs,
  busyMs: epochMs,
  availableMs: epochMs,
  missedOffers: z.coerce.number().int().nonnegative(),
  holdOfferId: nullableText,
  holdCallId: nullableText,
  acwEndsAt: z.string().transform((value, ctx) => {
    if (value === '') return null;
    const n = Number(value);
    if (!Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: 'must be a time in ms' });
      return z.NEVER;
    }
    return n;
  }),
  by: z.string().min(1),
});

export function toStoredAgentLiveState(state: AgentLiveState): Record<string, string> {
  return {
    agentId: state.agentId,
    state: state.state,
    reason: state.reason ?? '',
    since: String(state.since),
    callId: state.callId ?? '',
    idleSince: String(state.idleSince),
    busyMs: String(state.busyMs),
    availableMs: String(state.availableMs),
    missedOffers: String(state.missedOffers),
    holdOfferId: state.holdOfferId ?? '',
    holdCallId: state.holdCallId ?? '',
    acwEndsAt: state.acwEndsAt === null ? '' : String(state.acwEndsAt),
    by: state.by,
  };
}

export interface AgentLiveStateStore {
  /**
   * Stores the state. The Redis adapter issues the write at once, on the connection the
   * reservations use, so a reservation asked for after this call sees it.
   */
  write(tenantId: string, state: AgentLiveState): Promise<void>;
  read(tenantId: string, agentId: string): Promise<AgentLiveState | null>;
  readMany(tenantId: string, agentIds: readonly string[]): Promise<Map<string, AgentLiveState>>;
}

/** Live state in this process (the all-in-one mode, one acd instance). */
export class MemoryAgentLiveStateStore implements AgentLiveStateStore {
  private readonly states = new Map<string, AgentLiveState>();

  async write(tenantId: string, state: AgentLiveState): Promise<void> {
    this.states.set(`${tenantId}/${state.agentId}`, { ...state });
  }

  async read(tenantId: string, agentId: string): Promise<AgentLiveState | null> {
    const state = this.states.get(`${tenantId}/${agentId}`);
    return state ? { ...state } : null;
  }

  async readMany(tenantId: string, agentIds: readonly string[]): Promise<Map<string, AgentLiveState>> {
    const out = new Map<string, AgentLiveState>();
    for (const agentId of agentIds) {
      const state = await this.read(tenantId, agentId);
      if (state) out.set(agentId, state);
    }
    return out;
  }
}
