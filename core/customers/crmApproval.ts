// CRM approval (seed 002): NewCRM (view only) -> release -> Released -> approve (creates the ERP debtor, Active,
// Approved) or decline (Declined). Every other transition is refused and changes nothing.
import type { ActionContext, CustomerAction } from './actionTypes.js';
import { ActionError } from './actionTypes.js';
import { describe, findCustomer, type CustomerState } from './customerLookup.js';
import { sendWebAccounts } from './webAccountSync.js';
import { FatalError } from '../errors.js';

/** The message the CRM shows after an approval (seed 002), word for word. */
export const approvalMessage = (name: string): string => `Authorisation for Customer, ${name}, has been successful.`;

function refuse(c: CustomerState, action: 'release' | 'approve' | 'decline'): never {
  const who = describe(c);
  const status = c.CrmStatus;
  if (status === null) throw new ActionError(`${who} is not a CRM customer: only customers created in the CRM can be ${action === 'release' ? 'released' : action + 'd'}`);
  const why: Record<string, string> = {
    'release:Released': `${who} is already released for approval`,
    'release:Approved': `${who} is already approved`,
    'release:Declined': `${who} was declined; it cannot be released again`,
    'approve:NewCRM': `${who} is NewCRM (view only): release it for approval before approving it`,
    'approve:Approved': `${who} is already approved`,
    'approve:Declined': `${who} was declined; it cannot be approved`,
    'decline:NewCRM': `${who} is NewCRM (view only): release it for approval before declining it`,
    'decline:Approved': `${who} is already approved; it cannot be declined`,
    'decline:Declined': `${who} is already declined`,
  };
  throw new ActionError(why[`${action}:${status}`] ?? `${who} cannot be ${action}d from CRM status ${status}`);
}

/** Moves one status to the next only if it is still the expected one, so two admins never both win. */
async function transition(ctx: ActionContext, c: CustomerState, from: string, to: string): Promise<void> {
  const r = await ctx.webDb.run(`UPDATE [Customer] SET [CrmStatus] = @to, [UpdatedAt] = @at WHERE [CustomerCode] = @code AND [CrmStatus] = @from`, {
    code: c.CustomerCode,
    from,
    to,
    at: ctx.now().toISOString(),
  });
  if (r.changes !== 1) refuse(await findCustomer(ctx.webDb, c.CustomerCode), to === 'Released' ? 'release' : 'decline');
}

export const releaseAction: CustomerAction = {
  description: 'release a NewCRM customer for approval (NewCRM -> Released)',
  async run(ctx, code) {
    const c = await findCustomer(ctx.webDb, code);
    if (c.CrmStatus !== 'NewCRM') refuse(c, 'release');
    await transition(ctx, c, 'NewCRM', 'Released');
    return `Customer ${c.CustomerCode}${c.Name ? `, ${c.Name},` : ''} is released for approval.`;
  },
};

export const declineAction: CustomerAction = {
  description: 'decline a released CRM customer (Released -> Declined)',
  async run(ctx, code) {
    const c = await findCustomer(ctx.webDb, code);
    if (c.CrmStatus !== 'Released') refuse(c, 'decline');
    await transition(ctx, c, 'Released', 'Declined');
    return `Customer ${c.CustomerCode}${c.Name ? `, ${c.Name},` : ''} is declined.`;
  },
};

export const approveAction: CustomerAction = {
  description: 'approve a released CRM customer: creates the ERP debtor (Released -> Approved, Active)',
  async run(ctx, code) {
    const c = await findCustomer(ctx.webDb, code);
    if (c.CrmStatus !== 'Released') refuse(c, 'approve');
    const erpDb = await ctx.erpDb();
    const at = ctx.now().toISOString();
    const { results, exhausted } = await sendWebAccounts({ erpDb, webDb: ctx.webDb, settings: ctx.settings, logger: ctx.logger, now: ctx.now }, [c.CustomerCode], async (tx, done) => {
      for (const r of done) {
        await tx.run(`UPDATE [Customer] SET [CrmStatus] = 'Approved', [ActiveStatus] = 'Active', [UpdatedAt] = @at WHERE [CustomerCode] = @code`, { code: r.erpCode, at });
      }
    });
    if (exhausted) throw new FatalError(exhausted.message);
    const r = results[0];
    if (!r) throw new ActionError(`${describe(c)} could not be approved: it is no longer a web customer waiting for an ERP debtor`);
    ctx.logger.info({ webCode: r.webCode, erpCode: r.erpCode, how: r.how }, `CRM customer ${r.webCode} approved as ERP debtor ${r.erpCode}`);
    return approvalMessage(c.Name ?? c.CustomerCode);
  },
};
