// Runs TypeScript sources directly on Node 24 through SWC (decorators and their metadata included),
// so `npm start` and the benchmarks need no separate build step.
'use strict';
const path = require('node:path');
process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
