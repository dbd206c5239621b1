import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { inShell, takeToken, type IntegratorBridge } from './token.js';
import { useApp } from './store.js';
import './styles.css';

declare global {
  interface Window {
    integrator?: IntegratorBridge;
  }
}

const token = takeToken({
  bridge: window.integrator,
  hash: window.location.hash,
  storage: (() => {
    try {
      return window.sessionStorage;
    } catch {
      return null;
    }
  })(),
  stripHash: () => window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}`),
});
useApp.getState().setToken(token, inShell(window.integrator));

createRoot(document.getElementById('root')!).render(<App />);
