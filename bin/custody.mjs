#!/usr/bin/env node
// The `custody` command. Runs the TypeScript sources through tsx, so `npx custody` works right
// after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../electron/cli/main.ts');
