// The cached pricing service: answers from a bounded LRU of ERP facts, re-read after every refresh (each ERP
// Polling Interval and each ERP change notification), so an answer is never older than the last refresh. The text
// of answers already given is kept beside the facts, by the request that asked, so the listener can send a repeated
// request its bytes again without parsing, checking or serialising anything; it is dropped with the facts.
import type { Logger } from '../logging/logger.js';
import type { PriceAnswer } from '../contracts/adminApi.js';
import type { PricesRequest, PricesResponse, PricingHealth } from '../contracts/pricingApi.js';
import { invalidCodeSet, priceAnswer, type LookupFacts, type PriceRequestKey } from './priceRules.js';
import { ErpUnavailableError, type PriceSource } from './priceSource.js';
import { Lru } from './lru.js';

/**
 * Default cache size. An entry is the facts of one (customer, warehouse, product): a few numbers and the
 * price level's breaks, about 0.5 KB, so 20,000 entries stay near 10 MB whatever the ERP holds. As many answers'
 * texts are kept, each under its request (at most MAX_KEPT_REQUEST_LENGTH characters): measured, about 7 MB for
 * 20,000 typical requests and 32 MB when every request is as long as kept ones can be.
 */
export const DEFAULT_CACHE_ENTRIES = 20_000;

/** A request named by more characters than this is answered but its answer's text is not kept (memory stays bounded). */
export const MAX_KEPT_REQUEST_LENGTH = 1024;

/** An answer the caller must see as an HTTP status: unknown codes (404), ERP down (503). */
export class PricingError extends Error {
  override name = 'PricingError';
  constructor(
    message: string,
    readonly status: 404 | 503,
    readonly what?: 'customer' | 'product' | 'warehouse',
  ) {
    super(message);
  }
}

/** The web's manual prices (PricingOverride rows with Source = 'MANUAL'), read whole on each refresh. */
export interface ManualPriceSource {
  load(): Promise<Array<{ customer: string; product: string; price: number }>>;
}

export interface PricingServiceOptions {
  source: PriceSource;
  /** Manual prices agreed on the web: answered before anything the ERP holds. */
  manual?: ManualPriceSource;
  /** The Invalid Condition Codes setting, parsed. */
  invalidConditionCodes: readonly string[];
  /** 0 turns the cache off (every lookup reads the ERP). */
  cacheEntries?: number;
  /** How often the cache is refreshed (ERP Polling Interval); 0: only on notifications. */
  pollIntervalMs?: number;
  /** Called on each refresh, before the cache is dropped (the ERP connection uses it to reopen a SQLite file). */
  onRefresh?: () => void;
  logger?: Logger;
}

const key = (customer: string, warehouse: string, product: string) => `${customer}\u0000${warehouse}\u0000${product}`;

export class PricingService {
  private readonly cache: Lru<string, LookupFacts>;
  /** Answers' texts by the request that asked, as many as facts are kept. */
  private readonly answers: Lru<string, string>;
  private readonly invalid: ReadonlySet<string>;
  private readonly timer: NodeJS.Timeout | null;
  private refreshes = 0;
  private hits = 0;
  private misses = 0;
  private refreshedAt: Date | null = null;
  private erpState: 'ok' | 'unreachable' | 'unknown' = 'unknown';
  private manual = new Map<string, number>();
  /** The manual prices being read (at start and on each refresh); answers wait for it, so none is older than the refresh. */
  private manualLoading: Promise<void> = Promise.resolve();

  constructor(private readonly options: PricingServiceOptions) {
    this.cache = new Lru(options.cacheEntries ?? DEFAULT_CACHE_ENTRIES);
    this.answers = new Lru(this.cache.capacity);
    this.invalid = invalidCodeSet(options.invalidConditionCodes);
    this.reloadManual();
    const every = options.pollIntervalMs ?? 0;
    this.timer = every > 0 ? setInterval(() => this.refresh('poll'), every) : null;
    this.timer?.unref();
  }

  /** Drops every cached fact: the next lookup of each reads the ERP again. */
  refresh(reason: string): void {
    this.refreshes++;
    this.options.onRefresh?.();
    this.cache.clear();
    this.answers.clear();
    this.reloadManual();
    this.refreshedAt = new Date();
    this.options.logger?.debug({ reason }, 'price cache refreshed');
  }

  private reloadManual(): void {
    const source = this.options.manual;
    if (!source) return;
    const previous = this.manualLoading;
    this.manualLoading = previous.then(async () => {
      try {
        const rows = await source.load();
        const next = new Map<string, number>();
        for (const r of rows) next.set(key(r.customer, '', r.product), r.price);
        this.manual = next;
      } catch (err) {
        // The web database away: the ERP's prices still answer; the manual ones are read again at the next refresh.
        this.options.logger?.warn({ err: (err as Error)?.message ?? String(err) }, 'live pricing: the web manual prices could not be read; keeping the last ones read');
      }
    });
  }

  private manualPrice(customer: string, product: string): number | null {
    return this.manual.get(key(customer, '', product)) ?? null;
  }

  /** Counts the refreshes: read it before asking for an answer, give it back to keep() with the answer's text. */
  get generation(): number {
    return this.refreshes;
  }

  /**
   * Keeps the text of an answer under the request that asked for it, unless a refresh came after `generation` was
   * read (the answer may be older than it), the cache is off, or the request's name is too long.
   */
  keep(request: string, text: string, generation: number): void {
    if (generation !== this.refreshes || request.length > MAX_KEPT_REQUEST_LENGTH) return;
    this.answers.set(request, text);
  }

  /** The text of the answer kept for this request since the last refresh (a cache hit), or undefined. */
  answered(request: string): string | undefined {
    const text = this.answers.get(request);
    if (text !== undefined) this.hits++;
    return text;
  }

  /** One product: the answer, or a PricingError (404 naming what is unknown, 503 when the ERP is down). */
  async price(req: PriceRequestKey): Promise<PriceAnswer> {
    await this.manualLoading;
    const facts = await this.facts(req.customer, req.warehouse, [req.product]);
    const outcome = priceAnswer(req, facts.get(req.product)!, this.invalid, this.manualPrice(req.customer, req.product));
    if (outcome.kind === 'unknown') throw new PricingError(outcome.message, 404, outcome.what);
    return outcome.answer;
  }

  /** A cart: unknown customer or warehouse fails the call (404); an unknown product fails only its line. */
  async prices(req: PricesRequest): Promise<PricesResponse> {
    await this.manualLoading;
    const facts = await this.facts(req.customer, req.warehouse, req.lines.map((l) => l.product));
    const lines: PricesResponse['lines'] = [];
    for (const line of req.lines) {
      const outcome = priceAnswer({ ...line, customer: req.customer, warehouse: req.warehouse }, facts.get(line.product)!, this.invalid, this.manualPrice(req.customer, line.product));
      if (outcome.kind === 'answer') lines.push(outcome.answer);
      else if (outcome.what === 'product') lines.push({ product: line.product, quantity: line.quantity, error: outcome.message });
      else throw new PricingError(outcome.message, 404, outcome.what);
    }
    return { customer: req.customer, warehouse: req.warehouse, lines };
  }

  async health(): Promise<PricingHealth> {
    let error: string | undefined;
    try {
      await this.options.source.ping();
      this.markErp('ok');
    } catch (err) {
      this.markErp('unreachable', err);
      error = 'the ERP is unreachable';
    }
    return {
      ok: this.erpState === 'ok',
      erp: this.erpState,
      cache: { entries: this.cache.size, capacity: this.cache.capacity, hits: this.hits, misses: this.misses, refreshedAt: this.refreshedAt?.toISOString() ?? null },
      ...(error ? { error } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.cache.clear();
    this.answers.clear();
  }

  private async facts(customer: string, warehouse: string, products: readonly string[]): Promise<Map<string, LookupFacts>> {
    const out = new Map<string, LookupFacts>();
    const missing = new Set<string>();
    for (const p of products) {
      if (out.has(p) || missing.has(p)) continue;
      const hit = this.cache.get(key(customer, warehouse, p));
      if (hit) {
        this.hits++;
        out.set(p, hit);
      } else missing.add(p);
    }
    if (missing.size === 0) return out;
    this.misses += missing.size;
    const generation = this.refreshes;
    let cart;
    try {
      cart = await this.options.source.load(customer, warehouse, [...missing]);
      this.markErp('ok');
    } catch (err) {
      this.markErp('unreachable', err);
      if (err instanceof ErpUnavailableError) throw new PricingError('the ERP is unreachable; try again shortly', 503);
      throw err;
    }
    for (const p of missing) {
      const facts: LookupFacts = { customerKnown: cart.customerKnown, warehouseKnown: cart.warehouseKnown, product: cart.products.get(p) ?? null };
      out.set(p, facts);
      // Facts read before a refresh may be older than it: never cache them past it.
      if (generation === this.refreshes) this.cache.set(key(customer, warehouse, p), facts);
    }
    return out;
  }

  /** Logs the ERP going away and coming back once each, not once per request. */
  private markErp(state: 'ok' | 'unreachable', err?: unknown): void {
    if (state === this.erpState) return;
    const was = this.erpState;
    this.erpState = state;
    const log = this.options.logger;
    if (state === 'unreachable') log?.warn({ err: (err as Error)?.cause ?? err }, 'live pricing: the ERP is unreachable; answering 503 until it is back');
    else if (was === 'unreachable') log?.info('live pricing: the ERP is reachable again');
  }
}
