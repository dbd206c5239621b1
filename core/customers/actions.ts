// Admin actions on one customer (activate, release, approve, ...). The CLI (`integrator customer <action>`)
// and the admin API both dispatch through this table, so each action is written once. Each capability
// imports its action(s) here.
import type { CustomerAction } from './actionTypes.js';

export { ActionError, type ActionContext, type CustomerAction } from './actionTypes.js';

export const CUSTOMER_ACTIONS: Record<string, CustomerAction> = {};

import { releaseAction, approveAction, declineAction } from './crmApproval.js';
import { disableAction, enableAction } from './disableAccount.js';
CUSTOMER_ACTIONS.release = releaseAction;
CUSTOMER_ACTIONS.approve = approveAction;
CUSTOMER_ACTIONS.decline = declineAction;
CUSTOMER_ACTIONS.disable = disableAction;
CUSTOMER_ACTIONS.enable = enableAction;
