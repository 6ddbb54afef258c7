import { createMessagingMigration } from '@parley/messaging';
import { ACD_SCHEMA } from '../acd.tokens';
import { AcdInitial1764600000001 } from './1764600000001-acd-initial';
import { AcdBreakReasons1764600000100 } from './1764600000100-acd-break-reasons';

/** The acd service's migrations, in order (the outbox and inbox tables first). */
export const acdMigrations = [createMessagingMigration(ACD_SCHEMA, 'AcdMessaging', 1764600000000), AcdInitial1764600000001, AcdBreakReasons1764600000100];
