// npm run contracts:snapshot — writes the JSON-Schema snapshot of every published topic that has
// none yet. It never overwrites a published snapshot: a breaking change needs a new topic version.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { topicJsonSchema, topicRegistry } from '../src/index';

const dir = join(__dirname, '..', 'schemas');
mkdirSync(dir, { recursive: true });
for (const topic of topicRegistry.filter((t) => t.status === 'published')) {
  const file = join(dir, `${topic.name}.json`);
  if (existsSync(file)) continue;
  writeFileSync(file, `${JSON.stringify(topicJsonSchema(topic), null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}
