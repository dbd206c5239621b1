// Browser test harness: a real `integrator run` on fresh demo data in a child process, and Debian's Chromium
// driven by playwright-core. Everything waits on real conditions (a printed line, an element, a response).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BIN, ROOT, integrator } from '../helpers/cli.js';

export const CHROMIUM = process.env.INTEGRATOR_CHROMIUM ?? '/usr/bin/chromium';
export const RESULTS = path.join(ROOT, 'test-results', 'e2e');

export interface RunningIntegrator {
  dir: string;
  settingsFile: string;
  /** http://127.0.0.1:<port> */
  base: string;
  token: string;
  /** The printed Admin UI line's URL, with #token=. */
  adminUrl: string;
  proc: ChildProcess;
  output(): string;
  api<T = unknown>(route: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  stop(): Promise<number | null>;
}

/** Demo data in dir with settings for a test run: every port 0, no schedules firing on their own. */
export function prepareDemo(dir: string, settings: Record<string, unknown> = {}, customers = 60): string {
  const r = integrator(['demo', 'init', '--dir', dir, '--customers', String(customers), '--seed', '7', '--force']);
  if (r.status !== 0) throw new Error(`demo init failed: ${r.err}`);
  const file = path.join(dir, 'settings.json');
  const values = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  Object.assign(values, {
    adminPort: 0,
    httpPort: 0,
    erpListenerPort: 0,
    customerMasterSchedule: 'off',
    ordersSchedule: 'off',
    statementsSchedule: 'off',
    webAccountsSchedule: 'off',
    conversionsSchedule: 'off',
    nightlyRestartTime: '',
    ...settings,
  });
  fs.writeFileSync(file, `${JSON.stringify(values, null, 2)}\n`);
  return file;
}

export async function startIntegrator(settingsFile: string, options: { foreground?: boolean; timeoutMs?: number } = {}): Promise<RunningIntegrator> {
  const args = [BIN, 'run', '--config', settingsFile];
  if (options.foreground !== false) args.push('--foreground');
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, INTEGRATOR_CONFIG: '', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8');
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const line = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "Admin UI:" line within ${options.timeoutMs ?? 45_000} ms; output:\n${out}`)), options.timeoutMs ?? 45_000);
    proc.stdout!.on('data', (d: string) => {
      out += d;
      const m = /Admin UI: (http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`integrator run exited (${code}) before printing the Admin UI line:\n${out}`));
    });
  });
  const [adminUrl, base, token] = [line[0].slice('Admin UI: '.length), line[1], line[2]];
  return {
    dir: path.dirname(settingsFile),
    settingsFile,
    base,
    token,
    adminUrl,
    proc,
    output: () => out,
    async api<T>(route: string, init: RequestInit = {}) {
      const res = await fetch(`${base}${route}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...init.headers } });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body: body as T };
    },
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
      if (code === 'timeout') {
        proc.kill('SIGKILL');
        return exited;
      }
      return code;
    },
  };
}

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(RESULTS, { recursive: true });
  // A full-page capture draws sticky bars (the header, the Advanced tab's buttons) where the viewport happens to
  // be; a viewport as tall as the page puts them where an admin sees them: at the top and at the bottom.
  const size = page.viewportSize();
  const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
  if (size && height > size.height) await page.setViewportSize({ width: size.width, height: Math.min(height, 8000) });
  try {
    await page.screenshot({ path: path.join(RESULTS, `${name}.png`), fullPage: true });
  } finally {
    if (size && height > size.height) await page.setViewportSize(size);
  }
}

export { until } from '../helpers/until.js';
