import { ExecutionContext, HttpStatus } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';

/**
 * The status a route answers with when it succeeds: its `@HttpCode`, or Nest's default (201 for
 * POST, 200 otherwise). Interceptors that write or log an answer before Nest sends it read it here,
 * so they agree with what the client receives.
 */
export function routeSuccessStatus(reflector: Reflector, context: ExecutionContext): number {
  const declared = reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler());
  if (declared !== undefined) return declared;
  return context.switchToHttp().getRequest<{ method: string }>().method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK;
}
