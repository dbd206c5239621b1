// What every admin route module is given: the running integrator, the admin logger, the applied secrets.
import crypto from 'node:crypto';
import type { Logger } from '../../logging/logger.js';
import type { Integrator } from '../../worker/integrator.js';

export interface AdminContext {
  integrator: Integrator;
  logger: Logger;
  /** The applied settings' secrets, scrubbed from every answer. */
  secrets(): string[];
  /** Open progress streams one token may hold. */
  maxStreams: number;
}

/** A digest of a token, to count what it holds without keeping it. */
export const tokenKey = (t: string) => crypto.createHash('sha256').update(t).digest('hex');
