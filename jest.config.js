// One Jest run for the whole workspace: every project under apps/ and libs/ with a project.json
// is a Jest project; the global setup starts (or finds) PostgreSQL, Redis and Kafka once.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const swcTransform = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const aliases = {};
for (const kind of ['libs', 'apps']) {
  for (const name of fs.readdirSync(path.join(__dirname, kind))) {
    if (fs.existsSync(path.join(__dirname, kind, name, 'src/index.ts'))) {
      aliases[`^@parley/${name}$`] = path.join(__dirname, kind, name, 'src/index.ts');
    }
  }
}

// apps/web is a browser app: TSX through SWC's automatic React runtime, tests in a DOM (jsdom).
// Every other project keeps the Node settings above.
const webTransform = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', tsx: true },
      transform: { react: { runtime: 'automatic' } },
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

function browserProject(project) {
  return {
    ...project,
    testEnvironment: 'jsdom',
    transform: { '^.+\\.tsx?$': webTransform },
    moduleFileExtensions: ['tsx', 'ts', 'js', 'json'],
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.spec.tsx'],
  };
}

function projectsIn(dir) {
  const base = path.join(__dirname, dir);
  if (!fs.existsSync(base)) return [];
  return fs
    .readdirSync(base)
    .filter((name) => fs.existsSync(path.join(base, name, 'project.json')))
    .filter((name) => fs.existsSync(path.join(base, name, 'src')))
    .map((name) => ({
      displayName: name,
      rootDir: path.join(base, name),
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': swcTransform },
      moduleNameMapper: aliases,
      moduleFileExtensions: ['ts', 'js', 'json'],
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.int-spec.ts'],
      setupFiles: [path.join(__dirname, 'tools/jest/setup-env.js')],
    }))
    .map((project) => (dir === 'apps' && project.displayName === 'web' ? browserProject(project) : project));
}

module.exports = {
  projects: [...projectsIn('libs'), ...projectsIn('apps')],
  globalSetup: '<rootDir>/tools/jest/global-setup.js',
  globalTeardown: '<rootDir>/tools/jest/global-teardown.js',
  testTimeout: 30000,
  maxWorkers: process.env.CI ? 2 : '50%',
};
