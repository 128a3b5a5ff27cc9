import { Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { join } from 'node:path';

/**
 * The folder of the retry playground's page, its stylesheet and its script. It sits beside this
 * file both under ts-jest (`src/playground/public`) and in the build, where nest-cli.json's
 * `assets` copies it to `dist/src/playground/public`.
 */
export const PLAYGROUND_ROOT = join(__dirname, 'public');

/**
 * Serves the retry playground at `GET /`: one static page that drives the public API, so a person
 * can watch idempotency keys work. Express's static middleware answers only for files that exist
 * in the folder; every other request falls through to Nest, so an unknown route still gets the
 * JSON 404 envelope. `renderPath: '/'` keeps the module's default single-page fallback (which would
 * answer every unknown GET with the page) to the root alone.
 */
@Module({
  imports: [
    ServeStaticModule.forRoot({
      rootPath: PLAYGROUND_ROOT,
      renderPath: '/',
      serveStaticOptions: { index: 'index.html', redirect: false, dotfiles: 'ignore', fallthrough: true },
    }),
  ],
})
export class PlaygroundModule {}
