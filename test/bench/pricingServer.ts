// Child process of the pricing benchmark: serves either the live pricing listener over a demo ERP, or the
// baseline (a bare node:http server answering one constant JSON body). Prints {"url": ...} when listening.
import http from 'node:http';
import { openDb } from '../../core/db/openDb.js';
import { defaultSettings } from '../../core/contracts/settings.schema.js';
import { createLogger } from '../../core/logging/logger.js';
import { startPricingListener } from '../../core/pricing/pricingServices.js';
import { migrate } from '../../core/db/schema.js';
import { WEB_MIGRATIONS } from '../../core/web/webSchema.js';

const [mode, erpFile, cacheEntries] = process.argv.slice(2);

if (mode === 'bare') {
  const body = JSON.stringify({ product: 'P00001', customer: 'C00001', warehouse: 'MEL', quantity: 10, unitPrice: 80, priceSource: 'level', available: 70, onHand: 100 });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    const a = server.address() as { port: number };
    console.log(JSON.stringify({ url: `http://127.0.0.1:${a.port}` }));
  });
} else {
  const dsn = `sqlite:${erpFile}`;
  const erpDb = await openDb(dsn, { readonly: true });
  // The web side, migrated: the listener reads its manual prices (none here) on each refresh.
  const webDb = await openDb('sqlite::memory:', { create: true });
  await migrate(webDb, WEB_MIGRATIONS);
  const settings = { ...defaultSettings(), httpPort: 0 };
  const running = await startPricingListener(
    { erpDb, webDb, settings, logger: createLogger(), openErpDb: () => openDb(dsn, { readonly: true }) },
    { cacheEntries: Number(cacheEntries) },
  );
  console.log(JSON.stringify({ url: running.endpoints['Pricing listener'] }));
}
process.on('SIGTERM', () => process.exit(0));
