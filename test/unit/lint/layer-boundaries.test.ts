import { ESLint } from 'eslint';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function problems(file: string, code: string): Promise<Array<string>> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

/**
 * The layer rules of the style guide, proved by linting code that breaks them. ESLint resolves the whole project's
 * imports on its first call (several seconds; a minute and more on a busy machine, where the composition root pulls in the whole project), hence the long timeout.
 */
describe('lint enforces the layers', { timeout: 180_000 }, () => {
  it('keeps shared/ pure', async () => {
    expect(await problems('shared/x.ts', "import { readFile } from 'node:fs';\nexport const x = readFile;\n")).toEqual([
      expect.stringContaining('no-restricted-imports'),
    ]);
    expect(await problems('shared/x.ts', "import { AppError } from '../electron/services/errors';\nexport const x = AppError;\n")).toEqual([
      expect.stringContaining('import-x/no-restricted-paths'),
    ]);
  });

  it('keeps Node and the engine out of the renderer', async () => {
    expect(await problems('renderer/src/x.ts', "import os from 'os';\nexport const x = os;\n")).toEqual([expect.stringContaining('no-restricted-imports')]);
    expect(await problems('renderer/src/x.ts', "import { CustodyEngine } from '../../electron/services/custody-engine';\nexport const x = CustodyEngine;\n")).toEqual([
      expect.stringContaining('import-x/no-restricted-paths'),
    ]);
  });

  it('keeps Electron out of services and db, and ipcMain inside main/ipc', async () => {
    expect(await problems('electron/services/x.ts', "import { app } from 'electron';\nexport const x = app;\n")).toEqual([
      expect.stringContaining('no-restricted-imports'),
    ]);
    expect(await problems('electron/db/x.ts', "import { app } from 'electron';\nexport const x = app;\n")).toEqual([
      expect.stringContaining('no-restricted-imports'),
    ]);
    expect(await problems('electron/crypto/x.ts', "import { app } from 'electron';\nexport const x = app;\n")).toEqual([
      expect.stringContaining('no-restricted-imports'),
    ]);
    expect(await problems('electron/crypto/x.ts', "import { AppError } from '../services/errors';\nexport const x = AppError;\n")).toEqual([
      expect.stringContaining('import-x/no-restricted-paths'),
    ]);
    expect(await problems('electron/main/windows-x.ts', "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n")).toEqual([
      expect.stringContaining('no-restricted-imports'),
    ]);
    expect(await problems('electron/main/ipc/x.ts', "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n")).toEqual([]);
  });

  it('keeps services independent of their hosts', async () => {
    expect(await problems('electron/services/x.ts', "import { hostEngine } from '../main/app-host';\nexport const x = hostEngine;\n")).toEqual([
      expect.stringContaining('import-x/no-restricted-paths'),
    ]);
  });

  it('keeps domain services from reaching up into the composition root', async () => {
    expect(await problems('electron/services/packs/x.ts', "import { composeAudit } from '../composition/compose-audit';\nexport const x = composeAudit;\n")).toEqual([
      expect.stringContaining('import-x/no-restricted-paths'),
    ]);
    expect(await problems('electron/services/x.ts', "import type { ComposedEngine } from './composition/compose-engine';\nexport type X = ComposedEngine;\n")).toEqual([
      expect.stringContaining('import-x/no-restricted-paths'),
    ]);
    expect(await problems('electron/services/composition/x.ts', "import { composeAudit } from './compose-audit';\nexport const x = composeAudit;\n")).toEqual([]);
    expect(await problems('electron/cli/x.ts', "import { composeEngine } from '../services/composition/compose-engine';\nexport const x = composeEngine;\n")).toEqual([]);
  });

  it('keeps the CLI off Electron main and off test/, the sandbox included', async () => {
    expect(await problems('electron/cli/x.ts', "import { hostEngine } from '../main/app-host';\nexport const x = hostEngine;\n")).toEqual([
      expect.stringContaining('import-x/no-restricted-paths'),
    ]);
    expect(await problems('electron/cli/commands/x.ts', "import { startSandbox } from '../../../test/sandbox/server';\nexport const x = startSandbox;\n")).toEqual([
      expect.stringContaining('import-x/no-restricted-paths'),
    ]);
    expect(await problems('electron/cli/commands/x.ts', "export const x = () => import('../../../test/sandbox/server');\n")).toEqual([
      expect.stringContaining('import-x/no-restricted-paths'),
    ]);
    expect(await problems('electron/services/x.ts', "import { FakeClock } from '../../test/helpers/fake-clock';\nexport const x = FakeClock;\n")).toEqual([
      expect.stringContaining('import-x/no-restricted-paths'),
    ]);
  });

  it('rejects a dependency cycle', async () => {
    // no-cycle follows imports on disk: plant two real files that import each other.
    const dir = mkdtempSync(join(root, 'test/unit/lint/.tmp-cycle-'));
    try {
      const a = "import { b } from './b';\nexport const a = (): unknown => b;\n";
      writeFileSync(join(dir, 'a.ts'), a);
      writeFileSync(join(dir, 'b.ts'), "import { a } from './a';\nexport const b = (): unknown => a;\n");
      const [result] = await eslint.lintText(a, { filePath: join(dir, 'a.ts') });
      expect((result?.messages ?? []).map((m) => m.ruleId)).toEqual(['import-x/no-cycle']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects fake clocks pinned to a calendar day', async () => {
    const pinned = [
      "import { FakeClock } from '../helpers/fake-clock';\nexport const c = new FakeClock(Date.UTC(2026, 10, 26));\n",
      "import { SettableClock } from '../helpers/audit-module';\nexport const c = new SettableClock(Date.parse('2026-11-26T09:00:00Z'));\n",
      "import { FakeClock } from '../helpers/fake-clock';\nexport const c = new FakeClock(1795770000000);\n",
      "import { FakeClock } from '../helpers/fake-clock';\nexport const c = new FakeClock(new Date('2026-11-26').getTime());\n",
      'export class PinnedClock {\n  constructor(public current = Date.UTC(2026, 10, 26)) {}\n}\n',
      'export class PinnedClock {\n  constructor(start = Date.UTC(2026, 10, 26)) {\n    void start;\n  }\n}\n',
    ];
    for (const code of pinned) expect(await problems('test/integration/x.test.ts', code), code).toEqual([expect.stringContaining('no-restricted-syntax')]);
    expect(await problems('test/integration/x.test.ts', "import { FakeClock, testClockStart } from '../helpers/fake-clock';\nexport const c = [new FakeClock(), new FakeClock(testClockStart() + 60_000)];\n")).toEqual([]);
  });

  it('rejects focused tests', async () => {
    expect(await problems('test/unit/x.test.ts', "import { it } from 'vitest';\nit.only('x', () => undefined);\n")).toEqual([
      expect.stringContaining('no-restricted-syntax'),
    ]);
  });
});
