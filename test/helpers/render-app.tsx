import { render, type RenderResult } from '@testing-library/react';
import { createCustodyApi } from '../../shared/ipc/client';
import { CustodyApiProvider } from '../../renderer/src/api';
import { App } from '../../renderer/src/App';
import { createFakeIpcTransport, type FakeHandlers, type FakeIpcTransport } from './fake-ipc-transport';

/** Renders the whole renderer over the real typed API and a contract-checking fake transport. */
export function renderApp(handlers: FakeHandlers): RenderResult & { transport: FakeIpcTransport } {
  const transport = createFakeIpcTransport(handlers);
  const result = render(
    <CustodyApiProvider api={createCustodyApi(transport)}>
      <App />
    </CustodyApiProvider>,
  );
  return { ...result, transport };
}
