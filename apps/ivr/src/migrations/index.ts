import { createMessagingMigration } from '@parley/messaging';
import { IVR_SCHEMA } from '../ivr.tokens';
import { IvrInitial1764500000001 } from './1764500000001-ivr-initial';

/** The ivr service's migrations, in order (the outbox and inbox tables first). */
export const ivrMigrations = [createMessagingMigration(IVR_SCHEMA, 'IvrMessaging', 1764500000000), IvrInitial1764500000001];
