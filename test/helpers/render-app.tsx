import { render, waitFor, type RenderResult } from '@testing-library/react';
import { createCustodyApi } from '../../shared/ipc/client';
import { CustodyApiProvider } from '../../renderer/src/api';
import { App } from '../../renderer/src/App';
import { createFakeIpcTransport, type FakeHandlers, type FakeIpcTransport } from './fake-ipc-transport';
import { sampleOfficer } from './renderer-fixtures';

/** What the app shows once it knows who is signed in: the sections, the sign-in screen, or why it could not tell. */
const SETTLED = '[data-testid="nav-recordings"], [data-testid="sign-in-screen"], [data-testid="officer-error"]';

/**
 * Renders the whole renderer over the real typed API and a contract-checking fake transport, and waits until it
 * knows who is signed in (officer A, unless `authCurrent` says otherwise).
 */
export async function renderApp(handlers: FakeHandlers): Promise<RenderResult & { transport: FakeIpcTransport }> {
  const transport = createFakeIpcTransport({ authCurrent: () => ({ officer: sampleOfficer() }), ...handlers });
  const result = render(
    <CustodyApiProvider api={createCustodyApi(transport)}>
      <App />
    </CustodyApiProvider>,
  );
  await waitFor(() => {
    if (!result.container.querySelector(SETTLED)) throw new Error('the app has not settled on who is signed in');
  });
  return { ...result, transport };
}
