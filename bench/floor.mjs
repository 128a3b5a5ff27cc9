// The framework floor: the least a NestJS app on Express does for a POST, with nothing of
// oncepay's — one controller, one route, Nest's default body parsing, no validation, no database.
// It answers with the same charge text as the ceiling stores, so the two differ only in the
// framework. Its CPU per request, beside the ceiling's, is what the framework alone costs
// oncepay's create path before any of oncepay's own work (bench/README.md).
//
//   PORT=4344 CEILING_RESPONSE='<a charge as oncepay answers it>' node bench/floor.mjs
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

const template = JSON.parse(process.env.CEILING_RESPONSE ?? '{}');

class ChargesController {
  create(body) {
    return { ...template, amount: Number(body.amount) };
  }
}
// Plain JavaScript has no decorator syntax, so the decorators are applied as TypeScript would
// apply them: @Controller('charges') on the class, @Post() and @HttpCode(200) on the method, and
// @Body() on its first parameter.
Controller('charges')(ChargesController);
const method = Object.getOwnPropertyDescriptor(ChargesController.prototype, 'create');
Reflect.decorate([Post(), HttpCode(200)], ChargesController.prototype, 'create', method);
Body()(ChargesController.prototype, 'create', 0);

class FloorModule {}
Module({ controllers: [ChargesController] })(FloorModule);

const app = await NestFactory.create(FloorModule, { logger: false });
app.getHttpAdapter().get('/health', (_req, res) => res.end('ok'));
await app.listen(Number(process.env.PORT ?? 4344), '127.0.0.1');
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
