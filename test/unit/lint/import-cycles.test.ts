import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * import-x/no-cycle (eslint.config.js) skips type-only imports, yet a type hub is a back-arrow all the
 * same (app-host.ts and its IPC handlers once formed an 8-file circle of `import type`). This walks
 * every relative import, types included, and returns the circles (strongly connected components).
 */
function importCycles(sources: ReadonlyMap<string, string>): Array<Array<string>> {
  const resolveImport = (from: string, spec: string): string | undefined => {
    const base = normalize(join(dirname(from), spec));
    return [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')].find((candidate) => sources.has(candidate));
  };
  const edges = new Map<string, Array<string>>();
  for (const [file, text] of sources) {
    const specs = ts.preProcessFile(text, true, true).importedFiles.map((imported) => imported.fileName).filter((spec) => spec.startsWith('.'));
    edges.set(file, specs.flatMap((spec) => resolveImport(file, spec) ?? []));
  }
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: Array<string> = [];
  const onStack = new Set<string>();
  const cycles: Array<Array<string>> = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of edges.get(file)!) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: Array<string> = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || edges.get(file)!.includes(file)) cycles.push(component.sort());
  };
  for (const file of sources.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

describe('no import cycles, type-only imports included', () => {
  it('finds none in the repository', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.tsx'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file && !file.endsWith('.d.ts'));
    const sources = new Map(files.map((file) => [file, readFileSync(join(root, file), 'utf8')]));
    expect(importCycles(sources)).toEqual([]);
  });

  it('finds a planted circle of type imports', () => {
    const planted = new Map([
      ['electron/main/host.ts', "import type { Handler } from './handlers/x';\nexport type Host = { handlers: Array<Handler> };\n"],
      ['electron/main/handlers/x.ts', "import type { Host } from '../host';\nexport type Handler = (host: Host) => void;\n"],
      ['electron/main/leaf.ts', "import type { Host } from './host';\nexport type Leaf = Host;\n"],
    ]);
    expect(importCycles(planted)).toEqual([['electron/main/handlers/x.ts', 'electron/main/host.ts']]);
  });
});
