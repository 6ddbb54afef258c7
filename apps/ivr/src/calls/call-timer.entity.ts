import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A call's timer (the executor's start-timer effect), fired by the timer scheduler once due. */
@Entity({ schema: 'ivr', name: 'call_timers' })
export class CallTimerEntity {
  @PrimaryColumn('uuid', { name: 'timer_id' }) timerId!: string;
  @Column('uuid', { name: 'call_id' }) callId!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('timestamptz', { name: 'due_at' }) dueAt!: Date;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
}
