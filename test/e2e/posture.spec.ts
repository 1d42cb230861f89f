import { SHELL_ORIGIN } from '../../electron/shell/browser-shell';
import { startHarness } from '../helpers/engine-harness';
import { expect, openApp, sharedWorm, test } from './fixtures';

test('the posture report shows every check with its evidence', async ({ page }) => {
  const harness = await startHarness({
    worm: sharedWorm(),
    mediaUrlBase: `${SHELL_ORIGIN}/media/recording/`,
    profile: (p) => ({ ...p, compliance: { jurisdiction: 'UK (FCA)', regions: ['eu-west-2'], retentionYears: 5, tradingQueues: ['FX Spot Desk', 'Rates Desk'] } }),
  });
  try {
    await openApp(page, harness);
    await page.getByTestId('nav-posture').click();
    await expect(page.getByTestId('posture-empty')).toBeVisible();
    await page.getByTestId('posture-run').click();

    await expect(page.getByTestId('posture-summary')).toContainText('5 pass13 fail2 unknown');
    await expect(page.getByTestId('posture-check')).toHaveCount(20);
    // No unattended job has reported a failure in any log read here.
    await expect(page.locator('[data-check-id="unattended.failures"]')).toHaveAttribute('data-status', 'pass');
    // No blotter is imported in this profile: the trades check cannot tell.
    await expect(page.locator('[data-check-id="trades.recorded-calls"]')).toHaveAttribute('data-status', 'unknown');
    const region = page.locator('[data-check-id="genesys.region"]');
    // The sandbox's gateway (127.0.0.1) names no Genesys region, and /organizations/me has no region field.
    await expect(region).toHaveAttribute('data-status', 'unknown');
    await expect(region).toContainText("The org's region could not be determined (the gateway's host (127.0.0.1) is not a Genesys API host");
    await page.screenshot({ path: test.info().outputPath('posture.png') });
    const lock = page.locator('[data-check-id="archive-bucket.object-lock"]');
    await expect(lock).toHaveAttribute('data-status', 'fail');
    await lock.getByText('Evidence').click();
    await expect(lock.getByTestId('posture-evidence')).toContainText('"Mode": "COMPLIANCE"');
    const untagged = page.locator('[data-check-id="genesys.trading-metadata"]');
    await untagged.getByText('Evidence').click();
    await expect(untagged.getByTestId('posture-evidence')).toContainText('"missing"');
    await untagged.screenshot({ path: test.info().outputPath('posture-evidence.png') });

    // The report is kept: reopening the section shows it without running again.
    await page.getByTestId('nav-recordings').click();
    await page.getByTestId('nav-posture').click();
    await expect(page.getByTestId('posture-summary')).toBeVisible();
  } finally {
    await harness.close();
  }
});
