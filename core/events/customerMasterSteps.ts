// Work that follows the customer send inside a customer-master run, in order. Each capability that hangs
// off customer-master adds one step here instead of editing the event.
import type { CustomerMasterStep } from './types.js';

export type { CustomerMasterStep, StepResult } from './types.js';
import { copyErpConversions } from './conversionCopy.js';
import { specialPricesStep } from './specialPricesStep.js';

/** Send Customer Conversions: copy deb_conversion, and process them when any new row arrived. */
export const conversionsStep: CustomerMasterStep = {
  name: 'conversions',
  enabled: (s) => s.sendCustomerConversions === true,
  async run(ctx) {
    ctx.progress('customer conversions', 0, null);
    const { read, added } = await copyErpConversions(ctx.erpDb, ctx.webDb, ctx.now());
    ctx.logger.info({ read, added }, `customer conversions: ${read} in the ERP, ${added} new`);
    const details: Record<string, unknown> = { conversionsInErp: read, conversionsAdded: added };
    if (added > 0) {
      const processed = await ctx.runEvent('conversions');
      details.conversionsProcessed = processed.written;
      details.conversionsFailed = processed.failed;
    }
    return { read, written: added, details };
  },
};

export const CUSTOMER_MASTER_STEPS: CustomerMasterStep[] = [conversionsStep, specialPricesStep];
