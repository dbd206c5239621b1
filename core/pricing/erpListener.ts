// The ERP change listener: the ERP (or a trigger beside it) posts to /erp/notify when prices or stock
// change, and every pricing service of this process drops its cache, so the next answer is fresh.
import Fastify, { type FastifyInstance } from 'fastify';
import { ERP_LISTENER_ROUTES, MAX_BODY_BYTES } from '../contracts/pricingApi.js';
import { installListenerHttp, listenerServerOptions, type ListenerHttpOptions } from './listenerHttp.js';
import type { ErpChangeFeed } from './erpChanges.js';

export type ErpListenerOptions = Omit<ListenerHttpOptions, 'name' | 'compressAboveBytes'>;

export function buildErpListener(feed: ErpChangeFeed, options: ErpListenerOptions): FastifyInstance {
  const app = Fastify(listenerServerOptions(options));
  installListenerHttp(app, { ...options, name: 'erp' });
  // Whatever the ERP sends (JSON, a form, plain text, nothing) is a change notification; the body is not read.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, _body, done) => done(null, undefined));

  app.post(ERP_LISTENER_ROUTES.notify, async () => {
    const services = feed.notify('erp-notify');
    options.logger.info({ services }, 'ERP change notification: price cache refreshed');
    return { refreshed: services > 0, at: new Date().toISOString() };
  });
  app.get(ERP_LISTENER_ROUTES.health, async () => ({ ok: true }));
  return app;
}
