// The cached GET /price answered in front of fastify: a request already answered since the last refresh is sent its
// answer's bytes again without fastify's pipeline, and answers exactly what the fastify route answers.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { priceQuery, request, writeFixtureErp } from '../helpers/pricingFixture.js';
import { openDb } from '../../core/db/openDb.js';
import type { Db } from '../../core/db/db.js';
import { createLogger } from '../../core/logging/logger.js';
import { ErpConnection } from '../../core/pricing/erpConnection.js';
import { SqlPriceSource } from '../../core/pricing/sqlPriceSource.js';
import { PricingService } from '../../core/pricing/pricingService.js';
import { buildPricingListener, type PricingListenerOptions } from '../../core/pricing/pricingListener.js';

const dir = tmpDir('integrator-pricing-lean-');
let erpDb: Db;

beforeAll(async () => {
  await writeFixtureErp(path.join(dir, 'erp.sqlite'));
  erpDb = await openDb(`sqlite:${path.join(dir, 'erp.sqlite')}`, { readonly: true });
});
afterAll(async () => erpDb?.close());

/** A pricing listener over the fixture ERP, with a count of the requests that reached fastify's pipeline. */
async function listener(options: Partial<PricingListenerOptions> = {}) {
  const service = new PricingService({ source: new SqlPriceSource(new ErpConnection({ initial: erpDb, ownsInitial: false })), invalidConditionCodes: ['D'] });
  const app = buildPricingListener(service, { logger: createLogger(), compressAboveBytes: 1024, ...options });
  let throughFastify = 0;
  app.addHook('onRequest', async () => {
    throughFastify++;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return {
    service,
    url,
    throughFastify: () => throughFastify,
    async close() {
      await app.close();
      await service.close();
    },
  };
}

const q = { customer: 'C1', product: 'P1', warehouse: 'MEL', quantity: 10 };

describe('cached GET /price in front of fastify', () => {
  it('a GET /price asked again is answered without entering fastify', async () => {
    const l = await listener();
    try {
      const first = await request(priceQuery(l.url, q));
      expect(first.status, first.text).toBe(200);
      expect(l.throughFastify()).toBe(1);
      for (let i = 0; i < 3; i++) {
        const again = await request(priceQuery(l.url, q));
        expect([again.status, again.text, again.headers['content-type'], again.headers['content-length']]).toEqual([200, first.text, first.headers['content-type'], first.headers['content-length']]);
      }
      expect(l.throughFastify()).toBe(1);
    } finally {
      await l.close();
    }
  });
});
