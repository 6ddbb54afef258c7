import {
  type AcdAgentStatistics,
  type AcdQueueStatistics,
  type CallView,
  type FlowDocumentInput,
  type PhoneNumberView,
  type Role,
  type ScreenPop,
  type SimulationTrace,
  type UserView,
  type WrapUpRequest,
} from '@parley/contracts';
import { type QueueConsultView, type QueueTransferView, type TransferTargetsView } from '@parley/contracts';
import { type AgentStateView, type AgentView, type BreakReason, type QueueConfigBody, type QueueView, type RequestableAgentState, type SkillView } from '../api/acd-api.types';
import { type ColleagueView } from '../api/agent-api.client';
import { type DispositionCode } from '../api/cti-api.client';
import { type HttpRequest, type HttpResponse, type HttpTransport } from '../api/http-transport';
import { type BindingView, type FlowValidationView, type FlowVersionSummaryView } from '../api/ivr-api.types';
import { error, FakeTenantServer } from './tenant-api.fake';

/**
 * Test-only: the tenant, acd, ivr and cti APIs in memory, behind the tenant fake's sessions. Each
 * route checks the access token and the roles its controller allows (403 otherwise), keeps what is
 * created or changed, and answers in the services' shapes. A test can force the next answer of a
 * route (`answerNext('PUT /ivr/flows/:id/draft', ...)`, with the path as sent) and set what the
 * validator and the simulator answer.
 */
export class FakeParleyBackend {
  readonly tenant = new FakeTenantServer();
  /** Requests to the non-session routes, in order. */
  readonly requests: HttpRequest[] = [];
  readonly monitorCalls: { callId: string; mode: string }[] = [];

  seatLimit = 5;
  phoneNumbers: PhoneNumberView[] = [];
  bindings = new Map<string, BindingView>();
  flows = new Map<string, { name: string; draftRevision: number; draft: FlowDocumentInput; versions: FlowVersionSummaryView[] }>();
  /** What POST /ivr/flows/:id/validate (and the draft's validation) answers; valid when absent. */
  validations = new Map<string, FlowValidationView>();
  /** What POST /ivr/flows/:id/simulate answers. */
  trace: SimulationTrace | null = null;
  queues: QueueView[] = [];
  queueStats = new Map<string, AcdQueueStatistics>();
  skills: SkillView[] = [];
  agents: AgentView[] = [];
  agentStats: AcdAgentStatistics[] = [];
  dispositions: DispositionCode[] = [];
  /** Live agent states by agent id (an agent without one is offline). */
  agentStates = new Map<string, AgentStateView>();
  /** Every PUT of an agent state that was accepted, in order. */
  readonly stateRequests: { agentId: string; state: RequestableAgentState; reason: string | null }[] = [];
  /** The tenant's own break reasons; null: the acd's defaults (DEFAULT_BREAK_REASONS). */
  breakReasons: BreakReason[] | null = null;
  /** Every accepted transfer of a call to a queue, in order. */
  readonly queueTransfers: { callId: string; queueId: string; agentId: string }[] = [];
  /** Every accepted consultation with a queue, in order: who asked, and the colleague the fake acd picked. */
  readonly queueConsults: { callId: string; queueId: string; agentId: string; consultedAgentId: string }[] = [];
  pops = new Map<string, ScreenPop>();
  calls = new Map<string, CallView>();
  readonly wrapUps: { callId: string; request: WrapUpRequest }[] = [];
  readonly callCommands: { callId: string; command: string; body: unknown }[] = [];

  private readonly forced = new Map<string, HttpResponse[]>();
  private readonly always = new Map<string, HttpResponse>();
  private counter = 0;

  answerNext(route: string, status: number, body: unknown): void {
    this.forced.set(route, [...(this.forced.get(route) ?? []), { status, body }]);
  }

  /** Every request to the route (`GET /acd/transfer-targets`) gets this answer until `answerNormally(route)` (a service that is down). */
  answerAlways(route: string, status: number, body: unknown): void {
    this.always.set(route, { status, body });
  }

  answerNormally(route: string): void {
    this.always.delete(route);
  }

  readonly transport: HttpTransport = async (request) => {
    const route = ROUTES.find((r) => r.method === request.method && r.pattern.test(request.path));
    if (!route) return this.tenant.transport(request);
    this.requests.push(request);
    const user = this.tenant.userOf(request.accessToken);
    if (!user) return error(401, 'UNAUTHORIZED', 'missing or invalid access token');
    if (!route.roles.includes(user.role)) return error(403, 'FORBIDDEN', `the role ${user.role} may not do this`);
    const forced = this.forced.get(`${request.method} ${request.path}`)?.shift() ?? this.always.get(`${request.method} ${request.path}`);
    if (forced) return forced;
    const params = (route.pattern.exec(request.path) ?? []).slice(1).map(decodeURIComponent);
    return route.handle(this, params, request.body, user);
  };

  // ——— helpers for the routes (public so the route table can reach them) ———

  now(): string {
    return '2025-06-02T10:00:00.000Z';
  }

  /** The agent's live state as the acd answers it (offline when it has none yet). */
  agentState(agentId: string): AgentStateView {
    return this.agentStates.get(agentId) ?? { agentId, state: 'offline', reason: null, since: '2025-06-02T08:00:00.000Z', callId: null, missedOffers: 0 };
  }

  /** The break reasons in force (the tenant's, or the defaults). */
  activeBreakReasons(): BreakReason[] {
    return this.breakReasons ?? DEFAULT_BREAK_REASONS.map((r) => ({ code: r.code, labels: { ...r.labels } }));
  }

  /** Active users with a seat, by name, as GET /tenant/colleagues answers. */
  colleagues(): ColleagueView[] {
    return this.users()
      .filter((u) => u.active && u.hasSeat)
      .map((u) => ({ userId: u.id, name: u.name, role: u.role }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
  }

  /** What GET /acd/transfer-targets answers: the queues with their statistics, every seated user's live state. */
  transferTargets(): TransferTargetsView {
    return {
      queues: this.queues.map((q) => {
        const stats = this.queueStats.get(q.queueId);
        return { queueId: q.queueId, name: q.config.name, waiting: stats?.waiting ?? 0, availableAgents: stats?.agentsByState.available ?? 0 };
      }),
      agents: this.users()
        .filter((u) => u.hasSeat)
        .map((u) => ({ agentId: u.id, state: this.agentState(u.id).state })),
    };
  }

  nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}-${this.counter}`;
  }

  users(): UserView[] {
    return this.tenant.allUsers();
  }

  seats(): HttpResponse {
    const holders = this.users().filter((u) => u.hasSeat);
    return ok({ seatLimit: this.seatLimit, seatsInUse: holders.length, holders: holders.map((u) => ({ userId: u.id, assignedAt: this.now() })) });
  }

  validation(flowId: string): FlowValidationView {
    return this.validations.get(flowId) ?? { valid: true, errors: [], warnings: [], byNode: {} };
  }

  flowView(flowId: string): HttpResponse {
    const flow = this.flows.get(flowId);
    if (!flow) return error(404, 'NOT_FOUND', `flow ${flowId} not found`);
    return ok({ ...this.flowSummary(flowId), draft: flow.draft, validation: this.validation(flowId) });
  }

  flowSummary(flowId: string): object {
    const flow = this.flows.get(flowId);
    if (!flow) throw new Error(`FakeParleyBackend: no flow ${flowId}`);
    return { id: flowId, name: flow.name, draftRevision: flow.draftRevision, latestVersion: flow.versions.at(-1)?.version ?? null, createdAt: this.now(), updatedAt: this.now() };
  }

  /** A queue with a plain configuration and these live figures (callers waiting, agents available). */
  addQueue(queueId: string, name: string, figures: { waiting?: number; available?: number } = {}): QueueView {
    const config: QueueConfigBody = {
      queueId,
      name,
      requiredSkills: [],
      priority: 0,
      strategy: 'longest-idle',
      ringAllLimit: 10,
      serviceLevel: { percent: 80, thresholdSeconds: 20 },
      overflowSteps: [],
      afterCallWorkSeconds: 0,
      offerTimeoutSeconds: 20,
      maxMissedOffers: 3,
      stickyAgentSeconds: 0,
    };
    const queue: QueueView = { queueId, version: 1, config: { ...config, version: 1 }, createdAt: this.now(), updatedAt: this.now(), updatedBy: null };
    this.queues.push(queue);
    const stats = queueStats(queueId, { waiting: figures.waiting ?? 0 });
    this.queueStats.set(queueId, { ...stats, agentsByState: { ...stats.agentsByState, available: figures.available ?? 0 } });
    return queue;
  }

  /** Makes the agent a member of the queue (its acd record is created when it has none), as PUT /acd/agents/:id/queues does. */
  addToQueue(agentId: string, queueId: string): void {
    const agent = this.agents.find((a) => a.agentId === agentId);
    if (agent) {
      if (!agent.queueIds.includes(queueId)) Object.assign(agent, { queueIds: [...agent.queueIds, queueId], version: agent.version + 1 });
      return;
    }
    this.agents.push({ agentId, version: 1, hasSeat: true, skills: [], queueIds: [queueId], live: this.agentState(agentId), updatedAt: this.now() });
  }

  /**
   * The colleague the acd would ring for a consultation with the queue: a seated member other than
   * the asking agent, available now, the longest idle first (the fake queues' strategy); null when none is.
   */
  consultableAgent(queueId: string, askingAgentId: string): string | null {
    const candidates = this.agents
      .filter((a) => a.hasSeat && a.agentId !== askingAgentId && a.queueIds.includes(queueId))
      .map((a) => this.agentState(a.agentId))
      .filter((state) => state.state === 'available')
      .sort((x, y) => Date.parse(x.since) - Date.parse(y.since) || x.agentId.localeCompare(y.agentId));
    return candidates[0]?.agentId ?? null;
  }

  /** A tenant with one of everything, named in Chinese (so the screens' Chinese check sees only Chinese). */
  seedDemo(): void {
    const agent = this.tenant.addUser('acme', 'lilei@acme.test', 'correct horse battery', 'agent', 'zh-CN');
    this.skills = [{ skillId: 'billing', name: '账单', createdAt: this.now(), updatedAt: this.now() }];
    const config: QueueConfigBody = {
      queueId: 'sales',
      name: '销售热线',
      requiredSkills: [{ skillId: 'billing', minProficiency: 2 }],
      priority: 0,
      strategy: 'longest-idle',
      ringAllLimit: 10,
      serviceLevel: { percent: 80, thresholdSeconds: 20 },
      maxWaitSeconds: 300,
      overflow: { kind: 'voicemail' },
      overflowSteps: [{ afterSeconds: 60, lowerMinProficiencyTo: 1, dropSkills: [] }],
      afterCallWorkSeconds: 30,
      offerTimeoutSeconds: 20,
      maxMissedOffers: 3,
      stickyAgentSeconds: 0,
      vip: { attribute: 'tier', values: ['gold'], priorityBoost: 10, preferHigherProficiency: true },
    };
    this.queues = [{ queueId: 'sales', version: 1, config: { ...config, version: 1 }, createdAt: this.now(), updatedAt: this.now(), updatedBy: null }];
    this.queueStats.set('sales', queueStats('sales', { waiting: 2, serviceLevel: 0.5, asOf: '2025-06-02T10:00:00.000Z' }));
    this.agents = [
      {
        agentId: agent.id,
        version: 1,
        hasSeat: true,
        skills: [{ skillId: 'billing', proficiency: 3 }],
        queueIds: ['sales'],
        live: { agentId: agent.id, state: 'on-call', reason: null, since: '2025-06-02T09:58:00.000Z', callId: '6f1c2b9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f', missedOffers: 0 },
        updatedAt: this.now(),
      },
    ];
    this.agentStats = [agentStats(agent.id, 'on-call', 120_000, '2025-06-02T10:00:00.000Z')];
    this.flows.set('flow-1', { name: '主菜单', draftRevision: 3, draft: demoFlowDocument(), versions: [{ flowId: 'flow-1', version: 1, name: '主菜单', draftRevision: 2, publishedAt: this.now(), publishedBy: null }] });
    this.phoneNumbers = [{ id: 'number-1', e164: '+18005550100', label: '总机', assignedAt: this.now() }];
    this.bindings.set('number-1', { numberId: 'number-1', flowId: 'flow-1', flowName: '主菜单', version: 'latest', resolvedVersion: 1, updatedAt: this.now() });
    this.dispositions = [{ code: 'sale', label: '成交', active: true }];
  }
}

/** The acd's list for a tenant that set none (apps/acd settings/break-reasons.ts). */
export const DEFAULT_BREAK_REASONS: readonly BreakReason[] = [
  { code: 'lunch', labels: { en: 'Lunch', 'zh-CN': '午餐' } },
  { code: 'short-break', labels: { en: 'Short break', 'zh-CN': '短暂休息' } },
  { code: 'training', labels: { en: 'Training', 'zh-CN': '培训' } },
  { code: 'meeting', labels: { en: 'Meeting', 'zh-CN': '会议' } },
  { code: 'coaching', labels: { en: 'Coaching', 'zh-CN': '辅导' } },
];

/** The acd's checks of a break reason list, with its field paths (`breakReasons.2.code`). */
function breakReasonErrors(list: unknown): { path: string; message: string }[] {
  if (!Array.isArray(list)) return [{ path: 'breakReasons', message: 'must be a list of break reasons' }];
  if (list.length === 0 || list.length > 30) return [{ path: 'breakReasons', message: list.length === 0 ? 'must list at least one break reason' : 'must list at most 30 break reasons' }];
  const errors: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  list.forEach((entry: unknown, i) => {
    const { code, labels } = asRecord(entry) as { code?: unknown; labels?: Record<string, unknown> };
    if (typeof code !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(code)) errors.push({ path: `breakReasons.${i}.code`, message: 'must be 1-64 lower-case letters, digits or "-", starting with a letter or digit' });
    else if (seen.has(code)) errors.push({ path: `breakReasons.${i}.code`, message: `break reason ${code} is listed twice` });
    if (typeof code === 'string') seen.add(code);
    for (const language of ['en', 'zh-CN']) {
      const text = labels?.[language];
      if (typeof text !== 'string' || text.trim() === '') errors.push({ path: `breakReasons.${i}.labels.${language}`, message: 'must not be empty' });
    }
  });
  return errors;
}

function ok(body: unknown, status = 200): HttpResponse {
  return { status, body };
}

type Handle = (backend: FakeParleyBackend, params: string[], body: unknown, user: UserView) => HttpResponse;
interface Route {
  method: HttpRequest['method'];
  pattern: RegExp;
  roles: readonly Role[];
  handle: Handle;
}

const ADMINS: readonly Role[] = ['owner', 'admin'];
const SUPERVISORS: readonly Role[] = ['owner', 'admin', 'supervisor'];
const EVERYONE: readonly Role[] = ['owner', 'admin', 'supervisor', 'agent'];

/** The states an agent may ask for from each state (apps/acd routing/agent-state.machine.ts, actor "agent"). */
const AGENT_MAY_GO: Readonly<Record<AgentStateView['state'], readonly RequestableAgentState[]>> = {
  offline: ['available', 'break'],
  available: ['break', 'offline'],
  reserved: ['available', 'break', 'offline'],
  'on-call': [],
  'after-call-work': ['available', 'break', 'offline'],
  break: ['available', 'offline', 'break'],
};

const forbiddenForAgent = (user: UserView, agentId: string | undefined): HttpResponse | null =>
  user.role === 'agent' && user.id !== agentId ? error(403, 'FORBIDDEN', 'an agent may only read and change its own state') : null;
const route = (method: Route['method'], path: string, roles: readonly Role[], handle: Handle): Route => ({
  method,
  pattern: new RegExp(`^${path.replace(/:[a-zA-Z]+/g, '([^/]+)')}$`),
  roles,
  handle,
});
const asRecord = (body: unknown): Record<string, unknown> => (typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {});

const ROUTES: readonly Route[] = [
  route('GET', '/users', ADMINS, (b) => ok(b.users())),
  route('POST', '/users', ADMINS, (b, _p, body) => {
    const { email, name, role, password, locale } = asRecord(body) as { email: string; name: string; role: Role; password: string; locale?: UserView['locale'] };
    if (b.users().some((u) => u.email === email)) return error(409, 'CONFLICT', 'email in use', [{ path: 'email', message: 'is already in use' }]);
    const user = b.tenant.addUser('acme', email, password, role, locale);
    Object.assign(user, { name, hasSeat: false });
    return ok(user, 201);
  }),
  route('PATCH', '/users/:id', ADMINS, (b, [id], body) => {
    const user = b.users().find((u) => u.id === id);
    if (!user) return error(404, 'NOT_FOUND', 'user not found');
    Object.assign(user, asRecord(body));
    return ok(user);
  }),
  route('POST', '/users/:id/deactivate', ADMINS, (b, [id]) => {
    const user = b.users().find((u) => u.id === id);
    if (!user) return error(404, 'NOT_FOUND', 'user not found');
    Object.assign(user, { active: false, hasSeat: false });
    return ok(user);
  }),
  route('GET', '/seats', ADMINS, (b) => b.seats()),
  route('PUT', '/users/:id/seat', ADMINS, (b, [id]) => {
    const user = b.users().find((u) => u.id === id);
    if (!user) return error(404, 'NOT_FOUND', 'user not found');
    if (b.users().filter((u) => u.hasSeat).length >= b.seatLimit) return error(409, 'CONFLICT', `all ${b.seatLimit} seats are in use`);
    user.hasSeat = true;
    return b.seats();
  }),
  route('DELETE', '/users/:id/seat', ADMINS, (b, [id]) => {
    const user = b.users().find((u) => u.id === id);
    if (user) user.hasSeat = false;
    return b.seats();
  }),
  route('GET', '/phone-numbers', SUPERVISORS, (b) => ok(b.phoneNumbers)),
  route('POST', '/phone-numbers', ADMINS, (b, _p, body) => {
    const { e164, label } = asRecord(body) as { e164: string; label?: string };
    const number = { id: b.nextId('number'), e164, label: label ?? null, assignedAt: b.now() };
    b.phoneNumbers.push(number);
    return ok(number, 201);
  }),
  route('DELETE', '/phone-numbers/:id', ADMINS, (b, [id]) => {
    b.phoneNumbers = b.phoneNumbers.filter((n) => n.id !== id);
    b.bindings.delete(id ?? '');
    return ok(null, 204);
  }),
  route('GET', '/ivr/numbers', SUPERVISORS, (b) => ok(b.phoneNumbers.map((n) => ({ numberId: n.id, e164: n.e164, assignedAt: n.assignedAt, binding: b.bindings.get(n.id) ?? null })))),
  route('PUT', '/ivr/numbers/:id/binding', ADMINS, (b, [id], body) => {
    const { flowId, version } = asRecord(body) as { flowId: string; version: number | 'latest' };
    const flow = b.flows.get(flowId);
    if (!flow || flow.versions.length === 0) return error(409, 'CONFLICT', `flow ${flowId} has no published version`, [{ path: 'flowId', message: 'has no published version' }]);
    const binding: BindingView = { numberId: id ?? '', flowId, flowName: flow.name, version, resolvedVersion: version === 'latest' ? (flow.versions.at(-1)?.version ?? 1) : version, updatedAt: b.now() };
    b.bindings.set(id ?? '', binding);
    return ok(binding);
  }),
  route('DELETE', '/ivr/numbers/:id/binding', ADMINS, (b, [id]) => {
    b.bindings.delete(id ?? '');
    return ok(null, 204);
  }),
  route('GET', '/ivr/flows', SUPERVISORS, (b) => ok([...b.flows.keys()].map((id) => b.flowSummary(id)))),
  route('POST', '/ivr/flows', ADMINS, (b, _p, body) => {
    const document = asRecord(body).document as FlowDocumentInput;
    const id = b.nextId('flow');
    b.flows.set(id, { name: document.name, draftRevision: 1, draft: document, versions: [] });
    return { ...b.flowView(id), status: 201 };
  }),
  route('GET', '/ivr/flows/:id', SUPERVISORS, (b, [id]) => b.flowView(id ?? '')),
  route('PUT', '/ivr/flows/:id/draft', ADMINS, (b, [id], body) => {
    const flow = b.flows.get(id ?? '');
    if (!flow) return error(404, 'NOT_FOUND', 'flow not found');
    const { document, baseRevision } = asRecord(body) as { document: FlowDocumentInput; baseRevision?: number };
    if (baseRevision !== undefined && baseRevision !== flow.draftRevision) return error(409, 'CONFLICT', `the draft is at revision ${flow.draftRevision}, not ${baseRevision}`);
    Object.assign(flow, { draft: document, name: document.name, draftRevision: flow.draftRevision + 1 });
    return b.flowView(id ?? '');
  }),
  route('POST', '/ivr/flows/:id/validate', SUPERVISORS, (b, [id]) => (b.flows.has(id ?? '') ? ok(b.validation(id ?? '')) : error(404, 'NOT_FOUND', 'flow not found'))),
  route('POST', '/ivr/flows/:id/publish', ADMINS, (b, [id]) => {
    const flow = b.flows.get(id ?? '');
    if (!flow) return error(404, 'NOT_FOUND', 'flow not found');
    const validation = b.validation(id ?? '');
    if (!validation.valid) {
      const fields = validation.errors.map((e) => ({ path: e.nodeId !== undefined ? `nodes[${e.nodeId}].${e.field}` : e.field, message: e.message }));
      return error(422, 'UNPROCESSABLE_ENTITY', `flow ${id} cannot be published`, fields);
    }
    const version: FlowVersionSummaryView = { flowId: id ?? '', version: flow.versions.length + 1, name: flow.name, draftRevision: flow.draftRevision, publishedAt: b.now(), publishedBy: null };
    flow.versions.push(version);
    return ok({ ...version, document: flow.draft, warnings: validation.warnings }, 201);
  }),
  route('GET', '/ivr/flows/:id/versions', SUPERVISORS, (b, [id]) => ok(b.flows.get(id ?? '')?.versions ?? [])),
  route('POST', '/ivr/flows/:id/simulate', SUPERVISORS, (b) => (b.trace ? ok(b.trace) : error(500, 'INTERNAL', 'the test set no trace'))),
  route('GET', '/acd/queues', SUPERVISORS, (b) => ok(b.queues)),
  route('POST', '/acd/queues', ADMINS, (b, _p, body) => {
    const config = asRecord(body) as QueueConfigBody;
    if (!config.name) return error(400, 'BAD_REQUEST', 'invalid body: name must not be empty', [{ path: 'name', message: 'must not be empty' }]);
    const queue: QueueView = { queueId: config.queueId, version: 1, config: { ...config, version: 1 }, createdAt: b.now(), updatedAt: b.now(), updatedBy: null };
    b.queues.push(queue);
    return ok(queue, 201);
  }),
  route('PUT', '/acd/queues/:id', ADMINS, (b, [id], body) => {
    const index = b.queues.findIndex((q) => q.queueId === id);
    const current = b.queues[index];
    if (!current) return error(404, 'NOT_FOUND', 'queue not found');
    const { baseVersion, ...config } = asRecord(body) as QueueConfigBody & { baseVersion?: number };
    if (baseVersion !== undefined && baseVersion !== current.version) return error(409, 'CONFLICT', `the queue is at version ${current.version}`);
    const queue = { ...current, version: current.version + 1, config: { ...config, queueId: current.queueId, version: current.version + 1 } };
    b.queues[index] = queue;
    return ok(queue);
  }),
  route('GET', '/acd/queues/:id/stats', SUPERVISORS, (b, [id]) => ok(b.queueStats.get(id ?? '') ?? queueStats(id ?? '', {}))),
  route('GET', '/acd/skills', SUPERVISORS, (b) => ok(b.skills)),
  route('POST', '/acd/skills', ADMINS, (b, _p, body) => {
    const { skillId, name } = asRecord(body) as { skillId: string; name: string };
    if (b.skills.some((s) => s.skillId === skillId)) return error(409, 'CONFLICT', 'skill exists', [{ path: 'skillId', message: 'is already taken' }]);
    const skill = { skillId, name, createdAt: b.now(), updatedAt: b.now() };
    b.skills.push(skill);
    return ok(skill, 201);
  }),
  route('PUT', '/acd/skills/:id', ADMINS, (b, [id], body) => {
    const skill = b.skills.find((s) => s.skillId === id);
    if (!skill) return error(404, 'NOT_FOUND', 'skill not found');
    skill.name = String(asRecord(body).name);
    return ok(skill);
  }),
  route('GET', '/acd/agents', SUPERVISORS, (b) => ok(b.agents)),
  route('GET', '/acd/agents/stats', SUPERVISORS, (b) => ok(b.agentStats)),
  route('PUT', '/acd/agents/:id/skills', ADMINS, (b, [id], body) => {
    const agent = b.agents.find((a) => a.agentId === id);
    if (!agent) return error(404, 'NOT_FOUND', 'agent not found');
    Object.assign(agent, { skills: asRecord(body).skills, version: agent.version + 1 });
    return ok(agent);
  }),
  route('PUT', '/acd/agents/:id/queues', ADMINS, (b, [id], body) => {
    const agent = b.agents.find((a) => a.agentId === id);
    if (!agent) return error(404, 'NOT_FOUND', 'agent not found');
    Object.assign(agent, { queueIds: asRecord(body).queueIds, version: agent.version + 1 });
    return ok(agent);
  }),
  route('GET', '/cti/dispositions', ['owner', 'admin', 'supervisor', 'agent'], (b) => ok(b.dispositions)),
  route('POST', '/cti/dispositions', ADMINS, (b, _p, body) => {
    const code = asRecord(body) as DispositionCode;
    b.dispositions.push(code);
    return ok(code, 201);
  }),
  route('PUT', '/cti/dispositions/:code', ADMINS, (b, [code], body) => {
    const found = b.dispositions.find((d) => d.code === code);
    if (!found) return error(404, 'NOT_FOUND', 'code not found');
    Object.assign(found, asRecord(body));
    return ok(found);
  }),
  route('POST', '/cti/ws-tickets', EVERYONE, (_b, _p, body, user) => {
    const mode = (asRecord(body).mode as string | undefined) ?? (user.role === 'agent' ? 'agent' : 'supervisor');
    if (mode === 'supervisor' && user.role === 'agent') return error(403, 'FORBIDDEN', 'the role agent may not open a supervisor desktop');
    return ok({ ticket: 'ticket-1', expiresAt: '2025-06-02T10:00:30.000Z', path: '/api/v1/cti/ws', mode }, 201);
  }),
  route('GET', '/acd/settings', SUPERVISORS, (b) => ok({ timeZone: 'UTC', breakReasons: b.activeBreakReasons() })),
  route('GET', '/acd/settings/break-reasons', EVERYONE, (b) => ok({ breakReasons: b.activeBreakReasons(), isDefault: b.breakReasons === null })),
  route('PUT', '/acd/settings', ADMINS, (b, _p, body) => {
    const list = asRecord(body).breakReasons;
    const fields = breakReasonErrors(list);
    if (fields.length > 0) return error(400, 'BAD_REQUEST', `invalid body: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`, fields);
    b.breakReasons = (list as BreakReason[]).map((r) => ({ code: r.code, labels: { en: r.labels.en.trim(), 'zh-CN': r.labels['zh-CN'].trim() } }));
    return ok({ timeZone: 'UTC', breakReasons: b.breakReasons });
  }),
  route('GET', '/tenant/colleagues', EVERYONE, (b) => ok(b.colleagues())),
  route('GET', '/acd/transfer-targets', EVERYONE, (b) => ok(b.transferTargets())),
  route('POST', '/acd/calls/:id/transfer', EVERYONE, (b, [id], body, user) => {
    const callId = id ?? '';
    const { queueId, ...rest } = asRecord(body) as { queueId?: unknown };
    if (typeof queueId !== 'string' || Object.keys(rest).length > 0) return error(400, 'BAD_REQUEST', 'invalid body: queueId is required', [{ path: 'queueId', message: 'is required' }]);
    const call = b.calls.get(callId);
    if (!call) return error(404, 'NOT_FOUND', `call ${callId} was not found`);
    const queue = b.queues.find((q) => q.queueId === queueId);
    if (!queue) return error(404, 'NOT_FOUND', `queue ${queueId} was not found`);
    if (call.agentId !== user.id) return error(409, 'CONFLICT', `call ${callId} is not connected to you`);
    b.queueTransfers.push({ callId, queueId, agentId: user.id });
    const view: QueueTransferView = { callId, fromQueueId: call.queueId ?? '', queueId, fromAgentId: user.id, status: 'waiting' };
    return ok(view, 202);
  }),
  route('POST', '/acd/calls/:id/consult', EVERYONE, (b, [id], body, user) => {
    const callId = id ?? '';
    const { queueId, ...rest } = asRecord(body) as { queueId?: unknown };
    if (typeof queueId !== 'string' || Object.keys(rest).length > 0) return error(400, 'BAD_REQUEST', 'invalid body: queueId is required', [{ path: 'queueId', message: 'is required' }]);
    const call = b.calls.get(callId);
    if (!call) return error(404, 'NOT_FOUND', `call ${callId} was not found`);
    const queue = b.queues.find((q) => q.queueId === queueId);
    if (!queue) return error(404, 'NOT_FOUND', `queue ${queueId} was not found`);
    if (call.agentId !== user.id) return error(409, 'CONFLICT', `call ${callId} is not connected to you`);
    const consulted = b.consultableAgent(queueId, user.id);
    if (!consulted) return error(409, 'CONFLICT', `no agent of queue ${queueId} is available to consult`);
    // The consulted colleague is reserved while their phone rings, as for an offer.
    b.agentStates.set(consulted, { ...b.agentState(consulted), state: 'reserved', reason: null, since: b.now(), callId });
    b.queueConsults.push({ callId, queueId, agentId: user.id, consultedAgentId: consulted });
    const view: QueueConsultView = { callId, queueId, agentId: consulted, decisionId: b.nextId('decision'), status: 'ringing' };
    return ok(view, 202);
  }),
  route('GET', '/acd/agents/:id/state', EVERYONE, (b, [id], _body, user) => forbiddenForAgent(user, id) ?? ok(b.agentState(id ?? ''))),
  route('PUT', '/acd/agents/:id/state', EVERYONE, (b, [id], body, user) => {
    const agentId = id ?? '';
    const refused = forbiddenForAgent(user, agentId);
    if (refused) return refused;
    const { state, reason } = asRecord(body) as { state: RequestableAgentState; reason?: string };
    if (state === 'break' && !reason) return error(400, 'BAD_REQUEST', 'invalid body: reason is required for a break', [{ path: 'reason', message: 'is required for a break' }]);
    const codes = b.activeBreakReasons().map((r) => r.code);
    if (state === 'break' && reason && !codes.includes(reason)) {
      const message = `must be one of the break reasons of this company: ${codes.join(', ')}`;
      return error(400, 'BAD_REQUEST', `reason ${reason} ${message}`, [{ path: 'reason', message }]);
    }
    const from = b.agentState(agentId);
    if (!AGENT_MAY_GO[from.state].includes(state)) return error(409, 'CONFLICT', `agent ${agentId} cannot go from ${from.state} to ${state}`);
    // The acd stamps the change with its clock: never before the state it replaces.
    const since = new Date(Math.max(Date.parse(b.now()), Date.parse(from.since) + 1000)).toISOString();
    const view: AgentStateView = { ...from, state, reason: reason ?? null, since, callId: null };
    b.agentStates.set(agentId, view);
    b.stateRequests.push({ agentId, state, reason: reason ?? null });
    return ok(view);
  }),
  route('POST', '/agents/me/sip-credentials', EVERYONE, (_b, _p, _body, user) =>
    user.hasSeat
      ? ok({ username: `1780000000:${user.id}`, password: 'derived', realm: 'acme.sip.parley.test', expiresAt: 1_780_000_000, websocketUrl: 'ws://localhost:8080/sip', uri: `sip:${user.id}@acme.sip.parley.test` }, 201)
      : error(403, 'FORBIDDEN', 'SIP credentials need an agent seat'),
  ),
  route('GET', '/cti/calls/:id', EVERYONE, (b, [id]) => {
    const call = b.calls.get(id ?? '');
    return call ? ok(call) : error(404, 'NOT_FOUND', `call ${id} not found`);
  }),
  route('GET', '/cti/calls/:id/pop', EVERYONE, (b, [id]) => {
    const pop = b.pops.get(id ?? '');
    return pop ? ok(pop) : error(404, 'NOT_FOUND', `call ${id} not found`);
  }),
  route('POST', '/cti/calls/:id/wrap-up', EVERYONE, (b, [id], body) => {
    const request = asRecord(body) as WrapUpRequest;
    if (!b.dispositions.some((d) => d.code === request.disposition && d.active)) {
      return error(400, 'BAD_REQUEST', `invalid body: disposition ${request.disposition} is not an active code`, [{ path: 'disposition', message: 'is not an active disposition code' }]);
    }
    b.wrapUps.push({ callId: id ?? '', request });
    return ok({ callId: id, disposition: request.disposition, notes: request.notes ?? null, ticketId: request.ticket ? b.nextId('ticket') : null, wrappedUpAt: b.now() });
  }),
  ...(['hold', 'transfer', 'hangup', 'consult', 'consult/complete', 'consult/cancel', 'conference'] as const).map((command) =>
    route('POST', `/cti/calls/:id/${command}`, EVERYONE, (b, [id], body) => {
      b.callCommands.push({ callId: id ?? '', command, body });
      return ok({ callId: id, commandId: b.nextId('command'), command }, 202);
    }),
  ),
  route('POST', '/cti/calls/:id/monitor', SUPERVISORS, (b, [callId], body) => {
    b.monitorCalls.push({ callId: callId ?? '', mode: String(asRecord(body).mode) });
    return ok({ callId, commandId: b.nextId('command'), command: 'monitor' }, 202);
  }),
];

/** A queue's statistics with the given figures (everything else zero). */
export function queueStats(queueId: string, figures: { waiting?: number; serviceLevel?: number | null; answered?: number; abandoned?: number; asOf?: string; longestWaitMs?: number }): AcdQueueStatistics {
  return {
    queueId,
    waiting: figures.waiting ?? 0,
    longestWaitMs: figures.longestWaitMs ?? (figures.waiting ? 42_000 : 0),
    agentsByState: { offline: 0, available: 1, reserved: 0, 'on-call': 1, 'after-call-work': 0, break: 0 },
    today: {
      day: '2025-06-02',
      answered: figures.answered ?? 10,
      answeredWithinThreshold: 5,
      abandoned: figures.abandoned ?? 1,
      abandonedWithinThreshold: 0,
      overflowed: 0,
      serviceLevel: figures.serviceLevel === undefined ? 0.9 : figures.serviceLevel,
      averageSpeedOfAnswerMs: 15_000,
    },
    asOf: figures.asOf ?? '2025-06-02T10:00:00.000Z',
  };
}

export function agentStats(agentId: string, state: AcdAgentStatistics['state'], inStateMs: number, asOf: string): AcdAgentStatistics {
  return { agentId, state, reason: null, inStateMs, today: { day: '2025-06-02', callsHandled: 4, talkMs: 600_000, wrapUpMs: 60_000, handleMs: 660_000, averageHandleMs: 165_000 }, asOf };
}

/** A flow with a node of most types, in Chinese: welcome → hours → menu → queue, closed → voicemail. */
export function demoFlowDocument(): FlowDocumentInput {
  const say = (text: string) => ({ 'zh-CN': [{ kind: 'text' as const, text, locale: 'zh-CN' as const }] });
  return {
    schemaVersion: 1,
    name: '主菜单',
    locales: ['zh-CN'],
    defaultLocale: 'zh-CN',
    startNodeId: 'welcome',
    nodes: [
      { id: 'welcome', type: 'play', label: '欢迎', prompt: say('欢迎致电。'), next: 'hours' },
      { id: 'hours', type: 'condition', label: '营业中？', test: { kind: 'business-hours', timeZone: 'Asia/Shanghai', weekly: [{ day: 'mon', open: '09:00', close: '18:00' }], holidays: [{ date: '2025-10-01', name: '国庆节' }] }, whenTrue: 'main-menu', whenFalse: 'closed' },
      { id: 'main-menu', type: 'menu', label: '销售或支持', prompt: say('销售请按 1。'), options: { '1': 'sales' }, onInvalid: 'goodbye' },
      { id: 'sales', type: 'enqueue', label: '销售队列', queue: 'sales', skills: [{ skill: 'billing', minProficiency: 2 }], attributes: { entry: '菜单' } },
      { id: 'closed', type: 'voicemail', label: '留言', prompt: say('请留言。'), mailbox: 'general' },
      { id: 'goodbye', type: 'hangup', label: '再见', prompt: say('再见。') },
    ],
  };
}
