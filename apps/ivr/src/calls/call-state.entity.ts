import { Column, Entity, PrimaryColumn } from 'typeorm';
import { type ExecutorState } from '../flows/flow-executor.types';

/** One call in the IVR: the executor's state after its last step, with an optimistic version. */
@Entity({ schema: 'ivr', name: 'calls' })
export class CallStateEntity {
  @PrimaryColumn('uuid', { name: 'call_id' }) callId!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'flow_id' }) flowId!: string;
  @Column('integer', { name: 'flow_version' }) flowVersion!: number;
  @Column('uuid', { name: 'number_id', nullable: true }) numberId!: string | null;
  @Column('jsonb') state!: ExecutorState;
  /** Grows by one with every step; a step saves only over the version it read. */
  @Column('integer') version!: number;
  @Column('timestamptz', { name: 'started_at' }) startedAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
