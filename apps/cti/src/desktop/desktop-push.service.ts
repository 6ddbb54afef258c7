import { Inject, Injectable } from '@nestjs/common';
import { type CtiServerMessage } from '@parley/contracts';
import { CTI_LOGGER, CTI_REALTIME, type CtiLogger } from '../cti.tokens';
import { type CtiRealtime, type PushAudience } from '../realtime/cti-realtime.port';

/**
 * Sends a message to the desktops it is for, wherever they are connected: through the realtime
 * channel every cti instance listens on. A push that cannot be sent is logged, never thrown: the
 * state it reports is in the database, and a desktop gets it again on resync.
 */
@Injectable()
export class DesktopPushService {
  constructor(
    @Inject(CTI_REALTIME) private readonly realtime: CtiRealtime,
    @Inject(CTI_LOGGER) private readonly logger: CtiLogger,
  ) {}

  async push(tenantId: string, audience: PushAudience, message: CtiServerMessage): Promise<void> {
    if (audience.agentIds.length === 0 && !audience.supervisors) return;
    try {
      await this.realtime.publish({ kind: 'push', tenantId, audience, message });
    } catch (error) {
      this.logger.warn({ tenantId, type: message.type, err: error instanceof Error ? error.message : String(error) }, 'a desktop push could not be sent');
    }
  }

  async revokeDesktop(tenantId: string, agentId: string): Promise<void> {
    try {
      await this.realtime.publish({ kind: 'desktop-revoked', tenantId, agentId });
    } catch (error) {
      this.logger.warn({ tenantId, agentId, err: error instanceof Error ? error.message : String(error) }, 'an unseated desktop could not be closed');
    }
  }
}
