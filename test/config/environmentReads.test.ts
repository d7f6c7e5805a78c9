import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

const ROOT = join(import.meta.dirname, '..', '..', 'src');

// src/config.ts is the one module that reads the environment (docs/architecture.md); the parts
// in src/config/ parse the Env they are handed, so a test can give them any.
void t.test('the parts of config never read the environment or the .env file', (t) => {
  const parts = readdirSync(join(ROOT, 'config')).filter((name) => name.endsWith('.ts'));
  t.ok(parts.length > 0, 'src/config/ has parts to check');
  for (const name of parts) {
    const source = readFileSync(join(ROOT, 'config', name), 'utf8');
    t.notMatch(source, /process\.env|parseEnv|readFileSync|loadEnvFile/, name);
  }
  t.match(readFileSync(join(ROOT, 'config.ts'), 'utf8'), /process\.env/, 'config.ts does');
  t.end();
});
