// Types of the admin actions on one customer; the table of actions is in actions.ts.
import type { Db } from '../db/db.js';
import type { Logger } from '../logging/logger.js';
import type { SettingsValues } from '../contracts/settings.schema.js';

export interface ActionContext {
  webDb: Db;
  /** Opened on demand: only some actions (approve) write to the ERP. */
  erpDb(): Promise<Db>;
  settings: SettingsValues;
  logger: Logger;
  now(): Date;
}

export interface CustomerAction {
  description: string;
  /** Returns the sentence shown to the admin. Throws ActionError for a refused action. */
  run(ctx: ActionContext, customerCode: string): Promise<string>;
}

/** A refused action (unknown customer, illegal transition): one clear sentence, nothing changed. */
export class ActionError extends Error {
  override name = 'ActionError';
  constructor(
    message: string,
    /** 404 for an unknown customer, 409 for a transition that is not allowed. */
    readonly status: 404 | 409 | 400 = 409,
  ) {
    super(message);
  }
}

