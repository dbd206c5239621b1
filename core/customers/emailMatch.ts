// An admin's answer to a web account whose email is an existing ERP debtor's (Offer Debtor Matches By Email):
// Link to that debtor, or Create new debtor. Until then the account waits; an email alone never links it.
import type { ActionContext, CustomerAction } from './actionTypes.js';
import { ActionError } from './actionTypes.js';
import { describe, findCustomer } from './customerLookup.js';
import { sendWebAccounts } from './webAccountSync.js';
import { FatalError } from '../errors.js';

async function waitingAccount(ctx: ActionContext, code: string) {
  const c = await findCustomer(ctx.webDb, code);
  const row = await ctx.webDb.get<{ EmailMatch: string | null; ErpCode: string | null }>(`SELECT [EmailMatch], [ErpCode] FROM [Customer] WHERE [CustomerCode] = @code`, { code: c.CustomerCode });
  if (c.Source !== 'WEB' || !row?.EmailMatch || row.ErpCode) throw new ActionError(`${describe(c)} has no debtor match waiting for confirmation`);
  return { c, match: row.EmailMatch };
}

async function send(ctx: ActionContext, code: string) {
  const erpDb = await ctx.erpDb();
  const r = await sendWebAccounts({ erpDb, webDb: ctx.webDb, settings: ctx.settings, logger: ctx.logger, now: ctx.now }, [code]);
  if (r.exhausted) throw new FatalError(r.exhausted.message);
  const done = r.results[0];
  if (!done) throw new ActionError(`web account ${code} changed while being sent; try again`);
  return done;
}

export const linkAction: CustomerAction = {
  description: 'link a waiting web account to the ERP debtor its email matches (an admin confirms it is theirs)',
  async run(ctx, code) {
    const { c, match } = await waitingAccount(ctx, code);
    const erpDb = await ctx.erpDb();
    const debtor = await erpDb.get<{ dr_name: string | null }>(`SELECT [dr_name] FROM [deb_master] WHERE [accountcode] = @match`, { match });
    if (!debtor) throw new ActionError(`ERP debtor ${match} is no longer in the ERP: create a new debtor for ${describe(c)} instead`);
    const taken = await ctx.webDb.get<{ CustomerCode: string }>(`SELECT [CustomerCode] FROM [Customer] WHERE [ErpCode] = @match AND [Source] = 'WEB' AND [CustomerCode] <> @code`, { match, code: c.CustomerCode });
    if (taken) throw new ActionError(`web account ${taken.CustomerCode} is being linked to ERP debtor ${match}; try again when it is done`);
    const r = await ctx.webDb.run(
      `UPDATE [Customer] SET [ErpCode] = [EmailMatch], [EmailMatchDecision] = 'Link', [UpdatedAt] = @at WHERE [CustomerCode] = @code AND [Source] = 'WEB' AND [EmailMatch] = @match AND [ErpCode] IS NULL`,
      { code: c.CustomerCode, match, at: ctx.now().toISOString() },
    );
    if (r.changes !== 1) throw new ActionError(`${describe(c)} changed while being linked; try again`);
    await send(ctx, c.CustomerCode);
    await ctx.webDb.run(`UPDATE [Customer] SET [EmailMatch] = NULL WHERE [CustomerCode] = @match`, { match });
    return `Web account ${c.CustomerCode} is linked to ERP debtor ${match}${debtor.dr_name ? ` (${String(debtor.dr_name).trim()})` : ''}.`;
  },
};

export const createNewAction: CustomerAction = {
  description: 'give a waiting web account a new ERP debtor of its own instead of the debtor its email matches',
  async run(ctx, code) {
    const { c } = await waitingAccount(ctx, code);
    const r = await ctx.webDb.run(
      `UPDATE [Customer] SET [EmailMatchDecision] = 'New', [EmailMatch] = NULL, [UpdatedAt] = @at WHERE [CustomerCode] = @code AND [Source] = 'WEB' AND [ErpCode] IS NULL`,
      { code: c.CustomerCode, at: ctx.now().toISOString() },
    );
    if (r.changes !== 1) throw new ActionError(`${describe(c)} changed meanwhile; try again`);
    const done = await send(ctx, c.CustomerCode);
    return `Web account ${c.CustomerCode} is new ERP debtor ${done.erpCode}.`;
  },
};
