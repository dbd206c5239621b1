// Which actions a customer row offers, from its state (SPEC 6): Mark Active for inactive ERP customers,
// the CRM approval steps by CrmStatus, and Disable/Enable for everyone.
import type { Customer } from '../../core/contracts/adminApi.js';
import type { CustomerAction } from './api.js';

/** The actions that make sense for a customer in its current state. */
export function customerActions(c: Customer): Array<{ action: CustomerAction; label: string; danger?: boolean }> {
  const out: Array<{ action: CustomerAction; label: string; danger?: boolean }> = [];
  if (c.activeStatus === 'Inactive' && !c.crmStatus) out.push({ action: 'activate', label: 'Mark Active' });
  if (c.crmStatus === 'NewCRM') out.push({ action: 'release', label: 'Release for approval' });
  if (c.crmStatus === 'Released') {
    out.push({ action: 'approve', label: 'Approve' });
    out.push({ action: 'decline', label: 'Decline', danger: true });
  }
  out.push(c.isDisabled ? { action: 'enable', label: 'Enable' } : { action: 'disable', label: 'Disable', danger: true });
  return out;
}

