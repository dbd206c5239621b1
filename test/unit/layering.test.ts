// The layering of core/ as `npm run lint` enforces it: a deliberate upward import, an import of a folder beside it
// in its layer, and an import cycle each fail; the tree as it is passes.
import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const eslint = new ESLint({ cwd: ROOT });

async function problems(file: string, text: string): Promise<string[]> {
  const [r] = await eslint.lintText(text, { filePath: path.join(ROOT, file) });
  return r.messages.filter((m) => m.ruleId === 'layers/no-upward-import' || m.ruleId === 'import-x/no-cycle').map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the layers of core/', () => {
  it('refuses an import from a layer above, and from a folder beside in the same layer', async () => {
    expect(await problems('core/db/probe.ts', `import { Integrator } from '../worker/integrator.js';\nexport const x = Integrator;\n`)).toEqual([
      'layers/no-upward-import: core/db may not import ../worker/integrator.js: core/worker is a layer above it (CORE_LAYERS in eslint.config.js)',
    ]);
    expect(await problems('core/web/probe.ts', `import { SqlErpSource } from '../erp/sqlErpSource.js';\nexport const x = SqlErpSource;\n`)).toEqual([
      'layers/no-upward-import: core/web may not import ../erp/sqlErpSource.js: core/erp stands beside it in its layer (CORE_LAYERS in eslint.config.js)',
    ]);
    // Downward is fine.
    expect(await problems('core/worker/probe.ts', `import { openDb } from '../db/openDb.js';\nexport const x = openDb;\n`)).toEqual([]);
  });

  it('refuses an import cycle', async () => {
    // db.ts importing the SQLite driver, which imports db.ts.
    const text = `${fs.readFileSync(path.join(ROOT, 'core/db/db.ts'), 'utf8')}\nimport { SqliteDb } from './sqliteDb.js';\nexport const probe = SqliteDb;\n`;
    expect(await problems('core/db/db.ts', text)).toEqual(['import-x/no-cycle: Dependency cycle detected']);
  });

  it('core/ as it stands keeps them', async () => {
    const results = await eslint.lintFiles(['core/**/*.ts']);
    const found = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'layers/no-upward-import' || m.ruleId === 'import-x/no-cycle').map((m) => `${path.relative(ROOT, r.filePath)}: ${m.message}`));
    expect(found).toEqual([]);
  });
});
