import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import type { Server } from 'node:http';
import { AppModule } from './app.module';
import { setupApiDocs } from './common/api-docs';
import { canonicalizePath } from './common/canonical-path';
import { answerClientErrors } from './common/client-error';
import { trackAnswersOwed } from './common/in-flight';
import { parseForm } from './common/params';

/**
 * Builds the application exactly as `npm start` runs it; the e2e tests call this too, so they
 * test the same parsers and settings. Nest's own body parser is off: `RequestMiddleware` reads
 * bodies with oncepay's one parameter parser, and the query string goes through it as well.
 * The OpenAPI routes (`/docs`, `/docs-json`) are plain Express routes registered here, before
 * `init` mounts Nest's middleware, so they answer without passing through the API's pipeline.
 */
export async function createApp(databaseUrl: string, logger?: LoggerService | false): Promise<NestExpressApplication> {
  // Routes match the path exactly, as Stripe's do: `/V1/charges` and `/v1/charges/` are unknown
  // URLs (404), not other spellings of `/v1/charges`. Express would otherwise match them, while
  // everything that reads `req.path` (the idempotency layer's `/v1/` test, the fingerprint, fault
  // paths, the request log) compares paths as strings, so a variant would slip past idempotency.
  // Express reads both settings once, when it builds its router, which Nest does while it
  // creates the app; hence an Express app of our own, set up before Nest sees it. Spellings that
  // differ only in their escapes (`ch%5Fx`, `ch_x`) are one path: `canonicalizePath`, ahead of
  // Express, rewrites them all to one (below).
  const server = express();
  server.set('case sensitive routing', true);
  server.set('strict routing', true);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ databaseUrl }), new ExpressAdapter(server), {
    bodyParser: false,
    logger: logger ?? false,
  });
  // Express passes null, not an empty string, for a URL without a query string. Express 5 parses
  // lazily, in the `req.query` getter, on every read: a refusal by the parser is thrown where a
  // handler's parameters are read, inside Nest, so it reaches the exception filter as a 400. A
  // POST's query string is never read, and so never parsed: it is ignored, as documented.
  app.set('query parser', (query: string | null) => parseForm(query ?? ''));
  app.disable('x-powered-by');
  app.disable('etag');
  setupApiDocs(app);
  answerClientErrors(app.getHttpServer());
  trackAnswersOwed(app.getHttpServer());
  // Before Express's own listener, so that Express never sees another spelling of a path.
  (app.getHttpServer() as Server).prependListener('request', canonicalizePath);
  return app;
}
