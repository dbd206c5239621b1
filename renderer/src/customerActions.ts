// Which actions a customer row offers, from its state (SPEC 6): Mark Active for inactive ERP customers,
// the CRM approval steps by CrmStatus, Link / Create new debtor for a web account whose email matches a debtor,
// and Disable/Enable for everyone. Actions with a lasting effect ask first, naming the customer and what follows.
import type { Customer } from '../../core/contracts/adminApi.js';
import type { CustomerAction } from './api.js';

export interface ActionOffer {
  action: CustomerAction;
  label: string;
  danger?: boolean;
  /** Asked before the action runs. */
  confirm?: { title: string; text: string; button: string };
}

const who = (c: Customer) => (c.name ? `${c.name} (${c.customerCode})` : c.customerCode);

/** The actions that make sense for a customer in its current state. */
export function customerActions(c: Customer): ActionOffer[] {
  const out: ActionOffer[] = [];
  if (c.emailMatch) {
    out.push({
      action: 'link',
      label: `Link to ${c.emailMatch}`,
      confirm: {
        title: 'Link web account to ERP debtor',
        text: `Link web account ${who(c)} to ERP debtor ${c.emailMatch}? Its users will see ${c.emailMatch}'s prices, orders and statements. Link only when you have confirmed the account belongs to that debtor: the same email alone does not prove it.`,
        button: `Link to ${c.emailMatch}`,
      },
    });
    out.push({
      action: 'create-new',
      label: 'Create new debtor',
      confirm: { title: 'Create new debtor', text: `Create a new ERP debtor for web account ${who(c)} instead of linking it to ${c.emailMatch}?`, button: 'Create new debtor' },
    });
  }
  if (c.activeStatus === 'Inactive' && !c.crmStatus && !c.emailMatch) out.push({ action: 'activate', label: 'Mark Active' });
  if (c.crmStatus === 'NewCRM') out.push({ action: 'release', label: 'Release for approval' });
  if (c.crmStatus === 'Released') {
    out.push({
      action: 'approve',
      label: 'Approve',
      confirm: {
        title: 'Approve customer',
        text: `Approve ${who(c)}? This creates an ERP debtor for the customer, moves its web account to the new debtor code and makes it Active.`,
        button: 'Approve',
      },
    });
    out.push({
      action: 'decline',
      label: 'Decline',
      danger: true,
      confirm: { title: 'Decline customer', text: `Decline ${who(c)}? Declining is final: a declined customer cannot be released or approved again.`, button: 'Decline' },
    });
  }
  out.push(c.isDisabled ? { action: 'enable', label: 'Enable' } : { action: 'disable', label: 'Disable', danger: true });
  return out;
}

/** The title of the dialog that shows an action's outcome: the CRM's own for an approval (seed 002). */
export function outcomeTitle(action: CustomerAction): string {
  return action === 'approve' ? 'Customer Authorisation' : 'Customer';
}
