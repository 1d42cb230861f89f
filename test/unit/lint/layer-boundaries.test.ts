import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function problems(file: string, code: string): Promise<Array<string>> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

/** The layer rules of the style guide, proved by linting code that breaks them. */
describe('lint enforces the layers', () => {
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

  it('rejects focused tests', async () => {
    expect(await problems('test/unit/x.test.ts', "import { it } from 'vitest';\nit.only('x', () => undefined);\n")).toEqual([
      expect.stringContaining('no-restricted-syntax'),
    ]);
  });
});
