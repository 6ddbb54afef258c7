import { type FlowDocument } from '@parley/contracts';
import { FlowExecutor } from '../flows/flow-executor';

/**
 * Executors of published flow versions, kept while used (a version never changes, so an executor
 * built once serves every call of it). Least recently used first out beyond `capacity`.
 */
export class FlowExecutorCache {
  private readonly executors = new Map<string, FlowExecutor>();

  constructor(private readonly capacity = 256) {}

  async get(tenantId: string, flowId: string, version: number, load: () => Promise<FlowDocument>): Promise<FlowExecutor> {
    const key = `${tenantId}/${flowId}/${version}`;
    const cached = this.executors.get(key);
    if (cached !== undefined) {
      this.executors.delete(key);
      this.executors.set(key, cached);
      return cached;
    }
    const executor = new FlowExecutor(await load(), { flowId, flowVersion: version });
    this.executors.set(key, executor);
    while (this.executors.size > this.capacity) {
      const oldest = this.executors.keys().next().value;
      if (oldest === undefined) break;
      this.executors.delete(oldest);
    }
    return executor;
  }
}
