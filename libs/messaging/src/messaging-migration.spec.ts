import { createMessagingMigration } from './messaging-migration';
import { inboxMigrationStatements } from './inbox';
import { outboxMigrationStatements } from './outbox';

describe('createMessagingMigration', () => {
  it('names the migration <name><timestamp>, as TypeORM orders migrations by that suffix', () => {
    const Migration = createMessagingMigration('acd', 'AcdMessaging', 1764200000001);
    expect(new Migration().name).toBe('AcdMessaging1764200000001');
  });

  it('runs the outbox then the inbox statements up, and the reverse down', async () => {
    const Migration = createMessagingMigration('acd', 'AcdMessaging', 1764200000001, { inbox: true, outbox: true });
    const ran: string[] = [];
    const queryRunner = { query: async (sql: string) => void ran.push(sql) };
    await new Migration().up(queryRunner as never);
    expect(ran).toEqual([...outboxMigrationStatements('acd').up, ...inboxMigrationStatements('acd').up]);
    ran.length = 0;
    await new Migration().down(queryRunner as never);
    expect(ran).toEqual([...inboxMigrationStatements('acd').down, ...outboxMigrationStatements('acd').down]);
  });

  it('can create the outbox only', async () => {
    const Migration = createMessagingMigration('billing', 'BillingOutbox', 1764200000002, { inbox: false });
    const ran: string[] = [];
    await new Migration().up({ query: async (sql: string) => void ran.push(sql) } as never);
    expect(ran.some((s) => s.includes('billing.inbox'))).toBe(false);
    expect(ran.some((s) => s.includes('CREATE TABLE billing.outbox'))).toBe(true);
  });

  it('refuses a timestamp that is not 13 digits and a schema that is not a plain identifier', () => {
    expect(() => createMessagingMigration('acd', 'AcdMessaging', 1764200)).toThrow(/13 digits/);
    expect(() => createMessagingMigration('acd; drop', 'AcdMessaging', 1764200000001)).toThrow(/identifier/);
  });

  it('notifies <schema>_outbox once per inserting statement', () => {
    const sql = outboxMigrationStatements('acd').up.join('\n');
    expect(sql).toContain("pg_notify('acd_outbox', '')");
    expect(sql).toMatch(/AFTER INSERT ON acd\.outbox FOR EACH STATEMENT/);
    expect(sql).toMatch(/FORCE ROW LEVEL SECURITY/);
  });
});
