// The PriceSource port: what the pricing service needs from the ERP, asked once per cart (set-based).
import type { ProductFacts } from './priceRules.js';
import { RetryableError } from '../errors.js';

export interface CartFacts {
  customerKnown: boolean;
  warehouseKnown: boolean;
  /** Only the products the ERP knows; a product missing here is unknown. */
  products: Map<string, ProductFacts>;
}

export interface PriceSource {
  /** Everything needed to price these products for one customer in one warehouse. */
  load(customer: string, warehouse: string, products: readonly string[]): Promise<CartFacts>;
  /** A cheap query that fails when the ERP cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The ERP did not answer (file unreadable, server down, query failed). Callers answer 503 and try again later. */
export class ErpUnavailableError extends RetryableError {
  override name = 'ErpUnavailableError';
}
