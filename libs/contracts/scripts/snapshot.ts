// npm run contracts:snapshot — writes the JSON-Schema snapshot of every published topic that has
// none yet. With --update-compatible it also refreshes a snapshot whose topic changed compatibly
// (an optional field or a new union variant added), so later changes are checked against it.
// It never overwrites a snapshot with a breaking change: that needs a new topic version.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { breakingChanges, type JsonValue, topicJsonSchema, topicRegistry } from '../src/index';

const updateCompatible = process.argv.includes('--update-compatible');
const dir = join(__dirname, '..', 'schemas');
mkdirSync(dir, { recursive: true });
let refused = 0;
for (const topic of topicRegistry.filter((t) => t.status === 'published')) {
  const file = join(dir, `${topic.name}.json`);
  const current = topicJsonSchema(topic);
  const text = `${JSON.stringify(current, null, 2)}\n`;
  if (existsSync(file)) {
    const published = readFileSync(file, 'utf8');
    if (!updateCompatible || published === text) continue;
    const problems = breakingChanges(JSON.parse(published) as JsonValue, current);
    if (problems.length > 0) {
      refused += 1;
      process.stderr.write(`not updated ${file}: breaking changes\n  ${problems.join('\n  ')}\n`);
      continue;
    }
  }
  writeFileSync(file, text);
  process.stdout.write(`wrote ${file}\n`);
}
if (refused > 0) process.exitCode = 1;
