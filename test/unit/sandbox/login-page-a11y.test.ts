// @vitest-environment jsdom
import axe from 'axe-core';
import { describe, expect, it } from 'vitest';
import { errorPage, loginForm } from '../../sandbox/login-page';

/** The sandbox's login pages meet WCAG 2.1 A/AA as far as axe can tell without layout (jsdom: no colour contrast). */
async function violations(html: string): Promise<Array<string>> {
  document.documentElement.innerHTML = new DOMParser().parseFromString(html, 'text/html').documentElement.innerHTML;
  document.documentElement.lang = 'en';
  const results = await axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    rules: { 'page-has-heading-one': { enabled: true }, 'heading-order': { enabled: true }, 'color-contrast': { enabled: false } },
    resultTypes: ['violations'],
  });
  return results.violations.map((v) => `${v.id}: ${v.help}`);
}

describe('sandbox login pages', () => {
  it('have no axe violations: the form, the form with an error, and the error page', async () => {
    expect(await violations(loginForm({ action: '/oauth/authorize?x=1', organization: 'Meridian' }).html)).toEqual([]);
    expect(await violations(loginForm({ action: '/oauth/authorize?x=1', organization: 'Meridian', username: 'a@b.test', error: 'The email or password is incorrect.' }).html)).toEqual([]);
    expect(await violations(errorPage(400, 'Unknown OAuth client (client_id).').html)).toEqual([]);
  });
});
