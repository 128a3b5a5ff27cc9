import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { setupApiDocs } from './common/api-docs';
import { parseForm } from './common/params';

/**
 * Builds the application exactly as `npm start` runs it; the e2e tests call this too, so they
 * test the same parsers and settings. Nest's own body parser is off: `RequestMiddleware` reads
 * bodies with oncepay's one parameter parser, and the query string goes through it as well.
 * The OpenAPI routes (`/docs`, `/docs-json`) are plain Express routes registered here, before
 * `init` mounts Nest's middleware, so they answer without passing through the API's pipeline.
 */
export async function createApp(databaseUrl: string, logger?: LoggerService | false): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ databaseUrl }), {
    bodyParser: false,
    logger: logger ?? false,
  });
  // Express passes null, not an empty string, for a URL without a query string.
  app.set('query parser', (query: string | null) => parseForm(query ?? ''));
  app.disable('x-powered-by');
  app.disable('etag');
  setupApiDocs(app);
  return app;
}
