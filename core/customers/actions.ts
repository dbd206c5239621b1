// Admin actions on one customer (activate, release, approve, ...). The CLI (`integrator customer <action>`)
// and the admin API both dispatch through this table, so each action is written once. Each capability
// imports its action(s) here.
import type { CustomerAction } from './actionTypes.js';
import { activateAction } from './activation.js';
import { releaseAction, approveAction, declineAction } from './crmApproval.js';
import { disableAction, enableAction } from './disableAccount.js';
import { createNewAction, linkAction } from './emailMatch.js';

export { ActionError, type ActionContext, type CustomerAction } from './actionTypes.js';

export const CUSTOMER_ACTIONS: Record<string, CustomerAction> = {
  activate: activateAction,
  release: releaseAction,
  approve: approveAction,
  decline: declineAction,
  disable: disableAction,
  enable: enableAction,
  link: linkAction,
  'create-new': createNewAction,
};
