import { createMessagingMigration } from '@parley/messaging';
import { CTI_SCHEMA } from '../cti.tokens';
import { CtiInitial1764700000001 } from './1764700000001-cti-initial';
import { CtiCallAgents1764700000002 } from './1764700000002-cti-call-agents';

/** The cti service's migrations, in order (the outbox and inbox tables first). */
export const ctiMigrations = [createMessagingMigration(CTI_SCHEMA, 'CtiMessaging', 1764700000000), CtiInitial1764700000001, CtiCallAgents1764700000002];
