import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from '@playwright/test';
import type * as Axe from 'axe-core';
import { expect } from './fixtures';

/** WCAG 2.1 levels A and AA, the bar issue 9 sets for every screen. */
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** axe files these under best practice, not WCAG; the page's outline depends on them, so they run too. */
const HEADING_RULES = ['page-has-heading-one', 'heading-order'];

let axeSource: Promise<string> | undefined;

/**
 * Runs axe-core over the whole page and fails (softly, so one run reports every screen) when it finds a
 * WCAG 2.1 A/AA violation or a broken heading outline, naming each rule, element and why. axe is evaluated through the DevTools
 * protocol: the app's CSP (script-src 'self') rightly refuses an injected <script>, and stays as shipped.
 */
export async function expectNoAxeViolations(page: Page, screen: string): Promise<void> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const source = await axeSource;
  const violations = await page.evaluate(
    async ({ source, tags, extraRules }) => {
      const scope = window as unknown as { axe?: typeof Axe };
      // Indirect eval runs axe's UMD bundle at global scope, where it defines window.axe.
      if (!scope.axe) (0, eval)(source);
      const rules = Object.fromEntries(extraRules.map((rule) => [rule, { enabled: true }]));
      const results = await scope.axe!.run(document, { runOnly: { type: 'tag', values: tags }, rules, resultTypes: ['violations'] });
      return results.violations.flatMap((v) =>
        v.nodes.map((n) => `${v.id} (${v.impact ?? 'n/a'}) at ${n.target.join(' ')}: ${v.help}. ${(n.failureSummary ?? '').replace(/^Fix (any|all) of the following:\s*/, '').replaceAll(/\s*\n\s*/g, '; ')}`),
      );
    },
    { source, tags: WCAG_21_AA, extraRules: HEADING_RULES },
  );
  expect.soft(violations, `axe-core WCAG 2.1 A/AA violations on "${screen}"`).toEqual([]);
}
