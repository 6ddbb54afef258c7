// Runs in every test worker before the tests: quiet logs unless asked for.
'use strict';
process.env.LOG_LEVEL ??= 'silent';
