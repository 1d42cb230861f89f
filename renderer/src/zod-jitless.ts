import { z } from 'zod';

// Zod decides at schema construction whether to compile parsers with `new Function`, which our CSP
// forbids. This module is imported first by main.tsx so it runs before any schema in shared/ is built.
z.config({ jitless: true });
