#!/usr/bin/env node
// The `custody` command. Runs the TypeScript sources through tsx, so `npx custody` works right
// after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

// The AWS SDK warns about Node 20 at import; the packaged app runs on Electron's newer Node.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../electron/cli/main.ts');
