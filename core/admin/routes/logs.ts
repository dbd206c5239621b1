// The configuration check, the log tail and the log export: what an admin looks at when something is wrong.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { API } from '../../contracts/adminApi.js';
import { loadSettings } from '../../settings/settingsFile.js';
import { runConfigCheck } from '../../customers/checkConfig.js';
import { exportLogs, logsDir } from '../../logging/exportLogs.js';
import { logFile, scrub } from '../../logging/logger.js';
import { tailLog } from '../queries.js';
import type { AdminContext } from './context.js';

const TailQuerySchema = z.object({ lines: z.coerce.number().int().min(1).max(5000).optional(), level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).optional() });

export function registerLogRoutes(app: FastifyInstance, { integrator, secrets }: AdminContext): void {
  // The saved settings: what the next restart applies is what an admin wants checked after Apply.
  app.get(API.checkConfig, async () => runConfigCheck(loadSettings(integrator.settings.file)));

  app.get(API.logsTail, async (req) => {
    const q = TailQuerySchema.parse(req.query ?? {});
    const lines = tailLog(logFile(logsDir(integrator.settings)), { lines: q.lines ?? 200, level: q.level });
    return { lines: lines.map((l) => ({ ...l, msg: scrub(l.msg, secrets()) })) };
  });

  app.get(API.logsExport, async (_req, reply) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrator-export-'));
    try {
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
      const name = `integrator-logs-${stamp}.zip`;
      const r = await exportLogs(integrator.settings, path.join(dir, name));
      const body = fs.readFileSync(r.file);
      return reply.type('application/zip').header('Content-Disposition', `attachment; filename="${name}"`).send(body);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
