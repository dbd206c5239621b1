// Test Pricing: the running pricing service's answer, as the listener would give it.
import type { FastifyInstance } from 'fastify';
import { API, TestPricingRequestSchema, type PriceAnswer } from '../../contracts/adminApi.js';
import { PricingError } from '../../pricing/pricingService.js';
import { HttpError } from '../httpError.js';
import type { AdminContext } from './context.js';

export function registerPricingRoutes(app: FastifyInstance, { integrator }: AdminContext): void {
  app.post(API.testPricing, async (req) => {
    const body = TestPricingRequestSchema.parse(req.body ?? {});
    const svc = integrator.pricingService();
    if (!svc) {
      const why = integrator.status().pricingListener.error;
      throw new HttpError(503, `the pricing listener is not running${why ? ` (${why})` : ''}: turn on Enable Live Pricing/Availability Listener and restart`);
    }
    const started = performance.now();
    let answer: PriceAnswer;
    try {
      answer = await svc.price(body);
    } catch (err) {
      // What the listener answers for the same request: 404 naming the unknown code, 503 while the ERP is away.
      if (err instanceof PricingError) throw new HttpError(err.status, err.message);
      throw err;
    }
    return { ...answer, tookMs: Math.round((performance.now() - started) * 100) / 100 };
  });
}
