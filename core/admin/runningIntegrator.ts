// Starts the whole running integrator for a process that hosts it (`integrator run`, the tray shell's core
// process): admin token, logger, worker, admin API + UI, runtime file. One call up, one call down.
import type { FastifyInstance } from 'fastify';
import { loadSettings, saveSettings, secretsOf, type LoadedSettings } from '../settings/settingsFile.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { logsDir } from '../logging/exportLogs.js';
import { Integrator } from '../worker/integrator.js';
import type { Service } from '../worker/service.js';
import { SERVICES } from '../pricing/pricingServices.js';
import { readRuntime, removeRuntime, writeRuntime } from '../worker/runtimeFile.js';
import { buildAdminServer, listenAdmin, newAdminToken } from './adminServer.js';
import { FatalError, userMessage } from '../errors.js';

export interface StartOptions {
  settingsFile: string;
  /** Console logging as well as files (Test Pricing needs this mode). */
  foreground: boolean;
  /** Default: a logger from the settings (files, plus the console in foreground mode). */
  logger?: Logger;
  uiDir?: string;
  /** Default: every service of the product (SERVICES). */
  services?: readonly Service[];
  /** This process, as a run refused elsewhere names it (default "integrator run"). */
  command?: string;
}

export interface RunningIntegrator {
  integrator: Integrator;
  app: FastifyInstance;
  settings: LoadedSettings;
  logger: Logger;
  /** http://127.0.0.1:<real port> */
  adminUrl: string;
  token: string;
  /** Lets running batches finish, closes listeners and the admin API, removes the runtime file. */
  stop(): Promise<void>;
}

export async function startRunningIntegrator(options: StartOptions): Promise<RunningIntegrator> {
  let settings = loadSettings(options.settingsFile);
  // Two integrators on one install would run every event twice at once.
  const other = readRuntime(settings.dir);
  if (other && other.pid !== process.pid) {
    throw new FatalError(`an integrator is already running for ${settings.file} (pid ${other.pid}${other.adminUrl ? `, admin UI ${other.adminUrl}` : ''}); stop it first`);
  }
  // First start: a per-install token, saved so the UI link keeps working across runs.
  if (!settings.values.adminToken) settings = saveSettings(options.settingsFile, { adminToken: newAdminToken() });
  const v = settings.values;
  const logger =
    options.logger ??
    createLogger({
      dir: logsDir(settings),
      console: options.foreground,
      level: v.logLevel || 'info',
      maxBytes: v.logMaxFileSizeMb * 1024 * 1024,
      maxFiles: v.logMaxFiles,
      secrets: secretsOf(v),
    });
  const integrator = new Integrator({ settingsFile: settings.file, foreground: options.foreground, logger, services: options.services ?? SERVICES, command: options.command });
  await integrator.start();
  const app = await buildAdminServer({ integrator, logger, uiDir: options.uiDir });
  let adminUrl: string;
  try {
    adminUrl = await listenAdmin(app, integrator.applied.adminPort);
  } catch (err) {
    await integrator.stop();
    throw new FatalError(`the admin API cannot listen on 127.0.0.1:${integrator.applied.adminPort}: ${userMessage(err)}`);
  }
  const runtime = () =>
    writeRuntime(settings.dir, { pid: process.pid, startedAt: new Date().toISOString(), foreground: options.foreground, adminUrl, endpoints: integrator.endpoints });
  runtime();
  // A restart may move the listeners (port 0, changed ports): keep the runtime file true.
  const onState = (state: string) => {
    if (state === 'running') runtime();
  };
  integrator.on('state', onState);
  let stopped: Promise<void> | null = null;
  return {
    integrator,
    app,
    settings,
    logger,
    adminUrl,
    token: integrator.applied.adminToken,
    stop: () =>
      (stopped ??= (async () => {
        integrator.off('state', onState);
        try {
          await integrator.stop();
          await app.close();
        } finally {
          removeRuntime(settings.dir);
        }
      })()),
  };
}
