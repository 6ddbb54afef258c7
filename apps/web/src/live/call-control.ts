import { type MonitorMode } from '../api/cti-api.client';

export type { MonitorMode };

/** What a supervisor can do to an agent's call from the dashboard. */
export interface CallControl {
  /** Joins the supervisor's softphone to the agent's call in this mode. */
  monitor(request: { agentId: string; callId: string; mode: MonitorMode }): Promise<void>;
}
