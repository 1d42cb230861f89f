// Lint enforces the layer rules of the style guide ("How we build it", section 1).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const zone = (target, from, message) => ({ target, from, message });

const restrictedPaths = [
  zone('./shared', ['./electron', './renderer', './test'], 'shared/ is pure: it imports only shared/ and pure libraries.'),
  zone('./renderer', ['./electron', './test'], 'renderer/ talks to main only through the IPC contract in shared/ipc.'),
  zone('./electron/preload', ['./electron/main', './electron/services', './electron/db', './electron/cli', './electron/shell'], 'preload may import only shared/ipc.'),
  zone('./electron/crypto', ['./electron/db', './electron/services', './electron/main', './electron/cli', './electron/shell', './renderer'], 'crypto/ sits below db/ and services/: it imports only Node and shared/.'),
  zone('./electron/db', ['./electron/services', './electron/main', './electron/cli', './electron/shell', './renderer'], 'db/ is the bottom of the engine: no services, main or UI.'),
  zone('./electron/services', ['./electron/main', './electron/cli', './electron/shell', './renderer'], 'services/ never depend on a host (main, cli, shell) or the UI.'),
  // The composition root builds the domains; no domain reaches back up into it (only hosts and tests ask it).
  zone(['./electron/services/!(composition)/**', './electron/services/*.ts', './electron/db/**'], ['./electron/services/composition'], 'services/composition/ is the root that builds the domains: a domain service takes what it needs as explicit deps, it never imports the root.'),
  zone('./electron/cli', ['./electron/main', './electron/preload', './renderer'], 'the CLI is headless: it reaches main\'s hosts only through electron/shell, and no UI source.'),
  zone('./electron/shell', ['./electron/main/index.ts', './electron/preload', './renderer'], 'the browser shell reuses main\'s plain handlers, not its Electron entry.'),
  // The sandbox and the test helpers are tools: `custody sandbox` loads the sandbox as a plug-in, by path.
  zone('./electron', ['./test'], 'the product never imports test/ (the CLI loads the sandbox as a plug-in at run time).'),
  zone('./electron/main', ['./renderer'], 'main loads the renderer only as built output, by path.'),
];

const nodeBuiltins = ['node:*', 'fs', 'fs/promises', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'stream', 'url', 'util', 'zlib', 'worker_threads'];

const baseRestrictedSyntax = [
  { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']", message: 'Focused tests (.only) must not be committed.' },
  { selector: "MemberExpression[property.name='then'][parent.type='CallExpression']", message: 'Use async/await, not .then chains.' },
];

// A fake clock pinned to a calendar day breaks the suite once real servers judge its dates as past
// (radosgw refuses retention dates in the past): clocks start from testClockStart(), the real time.
const pinnedClockMessage = 'Start fake clocks from the real time (testClockStart() or no argument), never from a fixed date.';
const pinnedClockSyntax = [
  { selector: "NewExpression[callee.name=/Clock$/] CallExpression[callee.object.name='Date'][callee.property.name=/^(UTC|parse)$/]", message: pinnedClockMessage },
  { selector: "NewExpression[callee.name=/Clock$/] > Literal.arguments", message: pinnedClockMessage },
  { selector: "NewExpression[callee.name=/Clock$/] NewExpression[callee.name='Date'][arguments.length>0]", message: pinnedClockMessage },
  { selector: "ClassDeclaration[id.name=/Clock$/] AssignmentPattern > CallExpression.right[callee.object.name='Date'][callee.property.name=/^(UTC|parse)$/]", message: pinnedClockMessage },
];

const banElectron = { name: 'electron', message: 'Only electron/main and electron/preload may import electron.' };
const banNode = nodeBuiltins.map((name) => ({ group: [name], message: 'Node modules are not available in this layer.' }));

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'test-results/', 'playwright-report/', '**/*.d.ts', 'build/**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: { globals: { ...globals.node } },
    settings: {
      // The TypeScript settings let import-x parse .ts modules, which no-cycle must follow.
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver': { typescript: { project: ['./*/tsconfig.json'], noWarnOnMultipleProjects: true } },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/consistent-type-definitions': ['error', 'type'],
      '@typescript-eslint/array-type': ['error', { default: 'generic' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-restricted-paths': ['error', { zones: restrictedPaths }],
      'import-x/no-default-export': 'error',
      'import-x/no-cycle': 'error',
      'no-restricted-syntax': ['error', ...baseRestrictedSyntax],
    },
  },
  {
    files: ['shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: { 'no-restricted-imports': ['error', { paths: [banElectron], patterns: banNode }] },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { paths: [banElectron], patterns: banNode }],
    },
  },
  {
    files: ['electron/crypto/**/*.ts', 'electron/services/**/*.ts', 'electron/db/**/*.ts', 'electron/cli/**/*.ts', 'electron/shell/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [banElectron] }],
    },
  },
  {
    // ipcMain/ipcRenderer and webContents.send only behind the typed IPC wrappers.
    files: ['electron/main/**/*.ts'],
    ignores: ['electron/main/ipc/**', 'electron/main/index.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', importNames: ['ipcMain', 'ipcRenderer'], message: 'Use electron/main/ipc (the typed IPC server).' }] }],
      'no-restricted-properties': ['error', { object: 'webContents', property: 'send', message: 'Use electron/main/ipc/emit.ts.' }],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', allowImportNames: ['contextBridge', 'ipcRenderer'], message: 'The preload may use only contextBridge and ipcRenderer.' }], patterns: banNode }],
    },
  },
  {
    files: ['test/**/*.{ts,tsx}', 'build/**/*.{js,mjs}', 'bin/**/*.mjs', '*.config.{ts,js}', 'eslint.config.js', 'renderer/vite.config.ts'],
    rules: { 'no-console': 'off', 'import-x/no-default-export': 'off' },
  },
  {
    files: ['test/**/*.{ts,tsx}'],
    rules: { 'no-restricted-syntax': ['error', ...baseRestrictedSyntax, ...pinnedClockSyntax] },
  },
);
