// Must stay the first import: it switches zod to jitless mode before any schema is built.
import './zod-jitless';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createApiFromWindow, CustodyApiProvider } from './api';
import './styles.css';

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');

createRoot(rootElement).render(
  <StrictMode>
    <CustodyApiProvider api={createApiFromWindow(window)}>
      <App />
    </CustodyApiProvider>
  </StrictMode>,
);
