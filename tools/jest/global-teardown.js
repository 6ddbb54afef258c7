'use strict';
require('../register.cjs');
const { stopTestInfrastructure } = require('./infrastructure.ts');

module.exports = async function globalTeardown() {
  await stopTestInfrastructure(globalThis.__PARLEY_STARTED__ ?? []);
};
