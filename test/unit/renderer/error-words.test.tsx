// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { appErrorCodes } from '../../../shared/errors';
import { attempts, titleFor, wordsFor } from '../../../renderer/src/errors';
import { ErrorAlert } from '../../../renderer/src/components/ErrorAlert';

afterEach(cleanup);

describe('errors in words', () => {
  it('says, for every error code, what happened and what was not done, then what to do next', () => {
    for (const code of appErrorCodes) {
      for (const attempt of Object.values(attempts)) {
        const words = wordsFor(code, attempt);
        expect(words.summary, code).toMatch(new RegExp(`^[A-Z].*, so ${attempt.notDone}( \\(.+\\))?\\.$`));
        expect(words.next, code).toMatch(new RegExp(`^[A-Z].*; then ${attempt.retry}\\.$`));
        // Words for an officer: no code, no stack, no URL.
        expect(`${words.summary} ${words.next}`, code).not.toMatch(/[A-Z]{3,}_|s3:\/\/|https?:\/\/|Error:/);
      }
    }
    const distinct = new Set(appErrorCodes.map((code) => wordsFor(code).summary));
    expect(distinct.size).toBe(appErrorCodes.length);
  });

  it('turns an unreachable WORM store under "Playback refused" into what happened, what was not done and what to do', () => {
    const words = wordsFor('AUDIT_UNAVAILABLE', attempts.play);
    expect(`${words.summary} ${words.next}`).toBe(
      'The WORM audit log could not be reached, so nothing was played (Custody plays nothing it cannot record first). ' +
        'Check the network or ask IT to check the audit store; then press Play again.',
    );
  });

  it('keeps the error code and the raw message behind a disclosure, closed at first', () => {
    const raw = 'ListObjectVersions s3://custody-audit/audit/v1/log/events/ ECONNREFUSED 127.0.0.1:7480';
    render(<ErrorAlert error={{ code: 'AUDIT_UNAVAILABLE', title: titleFor('AUDIT_UNAVAILABLE'), message: raw, issues: [] }} attempt={attempts.search} testId="alert" />);
    const alert = screen.getByTestId('alert');
    expect(screen.getByTestId('error-words').textContent).toBe(
      'The WORM audit log could not be reached, so nothing was searched (Custody searches nothing it cannot record first). ' +
        'Check the network or ask IT to check the audit store; then search again.',
    );
    const detail = screen.getByTestId('error-detail') as HTMLDetailsElement;
    expect(detail.tagName).toBe('DETAILS');
    expect(detail.open).toBe(false);
    expect(detail.textContent).toBe(`Technical detailAUDIT_UNAVAILABLE ${raw}`);
    expect(screen.getByTestId('error-words').textContent).not.toContain('ECONNREFUSED');
    expect(alert.getAttribute('data-error-code')).toBe('AUDIT_UNAVAILABLE');
  });

  it("shows a validation message in plain sight: it is about the officer's own input", () => {
    render(<ErrorAlert error={{ code: 'VALIDATION', title: titleFor('VALIDATION'), message: '"from" must not be after "to"', issues: [] }} testId="alert" />);
    expect(screen.getByTestId('alert').querySelector('.alert__issues')?.textContent).toBe('"from" must not be after "to"');
  });
});
