import { applyDecorators, INestApplication, Type } from '@nestjs/common';
import {
  ApiBasicAuth,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiParam,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiSchema,
  ApiTags,
  DocumentBuilder,
  type HeaderObject,
  type OpenAPIObject,
  type ParameterObject,
  type ReferenceObject,
  type SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { FAULTS } from '../sandbox/faults';
import { MAX_FAULT_DELAY_MS } from '../sandbox/sandbox.constants';
import { IDEMPOTENCY_KEY_MAX_LENGTH, IN_USE_RETRY_AFTER_SECONDS } from '../idempotency/idempotency.constants';
import { keyInUseError, keyReusedError } from '../idempotency/idempotency.errors';
import type { ApiError, ErrorType } from './errors';
import { METADATA_MAX_KEYS, METADATA_MAX_KEY_LENGTH, METADATA_MAX_VALUE_LENGTH } from './metadata';
import { type ResponseSchema, schemaRef, withResponseSchemas } from './response-schemas';

// The 200 of a route that answers with an object, beside the decorators below that routes use.
export { ApiObjectResponse } from './response-schemas';

/**
 * The OpenAPI description of oncepay, served at `/docs` (Swagger UI) and `/docs-json`. It is
 * generated from the controllers and DTOs; this file holds what many routes share, so that each
 * route names its own answers in a line or two. These decorators only describe: validation is
 * class-validator's alone, and nothing here changes what a request may contain.
 */

/** Where the documentation is served, relative to the server's root. */
export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

/** The names of the two security schemes: the same `sk_test_…` key, sent either way. */
const BEARER = 'bearer';
const BASIC = 'basic';

/** Every `type` an error can have; `satisfies` keeps the list in step with `ErrorType`. */
const ERROR_TYPES = Object.keys({
  invalid_request_error: 0,
  card_error: 0,
  idempotency_error: 0,
  api_error: 0,
} satisfies Record<ErrorType, 0>);

@ApiSchema({ name: 'Error', description: "What went wrong, as in Stripe's error object." })
class ErrorObjectDoc {
  @ApiProperty({ enum: ERROR_TYPES })
  type!: ErrorType;

  @ApiPropertyOptional({ description: 'A short machine-readable code.', example: 'resource_missing' })
  code?: string;

  @ApiProperty({ description: 'A human-readable message; never a stack trace, SQL or internal name.' })
  message!: string;

  @ApiPropertyOptional({ description: 'The parameter at fault, in bracket notation (`metadata[order]`).', example: 'amount' })
  param?: string;

  @ApiPropertyOptional({ description: 'For a card_error: why the card was declined.', example: 'insufficient_funds' })
  decline_code?: string;

  @ApiPropertyOptional({ description: 'For a card_error: the failed charge that was stored.', example: 'ch_1a2b3c' })
  charge?: string;

  @ApiPropertyOptional({ description: 'Where the code is explained.' })
  doc_url?: string;
}

/** The one error envelope of CONTRACT §2; every error response refers to it. */
@ApiSchema({ name: 'ErrorEnvelope' })
export class ErrorEnvelopeDoc {
  @ApiProperty({ type: ErrorObjectDoc })
  error!: ErrorObjectDoc;
}

const header = (description: string, example?: string): HeaderObject => ({ description, schema: { type: 'string', example } });

interface ErrorResponseExtras {
  headers?: Record<string, HeaderObject>;
  /** Example bodies, made by the real error classes so that they show what a client receives. */
  examples?: Record<string, ApiError>;
}

/** An error answer, its body the error envelope. */
export const ApiErrorResponse = (status: number, description: string, { headers, examples }: ErrorResponseExtras = {}) =>
  ApiResponse({
    status,
    description,
    type: ErrorEnvelopeDoc,
    headers,
    ...(examples && {
      examples: Object.fromEntries(
        Object.entries(examples).map(([summary, error]) => [error.details.code ?? summary, { summary, value: error.toEnvelope() }]),
      ),
    }),
  });

/**
 * The 400 every authenticated route can give; a route whose own outcome can be a 400 too names
 * it in `outcome` (a route's 400 replaces the controller's, so the common text is repeated here).
 */
export const ApiBadRequest = (outcome?: string) =>
  ApiErrorResponse(
    400,
    '`invalid_request_error`: a missing, unknown or malformed parameter, named by `param`; nothing changes.' +
      (outcome ? ` ${outcome}` : ''),
  );

/**
 * The database does not answer. A connection lost while its COMMIT was on the way may have
 * committed, so this promises nothing about what changed; it says how to retry safely.
 */
export const ApiDatabaseUnavailable = () =>
  ApiErrorResponse(503, '`api_error`: the database does not answer, so the request may not have been applied. Retry a POST with the same `Idempotency-Key`: it is applied exactly once.', {
    headers: {
      'Stripe-Should-Retry': header('Always `true`.', 'true'),
      'Retry-After': header('Seconds to wait before retrying.', '1'),
    },
  });

/** What every authenticated controller shares: its tag, the key sent either way, the errors any route can give. */
export const ApiAccountScoped = (tag: string) =>
  applyDecorators(
    ApiTags(tag),
    ApiBearerAuth(BEARER),
    ApiBasicAuth(BASIC),
    ApiBadRequest(),
    ApiErrorResponse(401, '`invalid_request_error`: the API key is missing or is not an `sk_test_…` key.'),
    ApiErrorResponse(500, '`api_error`: a bug, or the sandbox faults `error_before_execute` / `error_after_commit`.'),
    ApiDatabaseUnavailable(),
  );

/** A `/v1` controller: authenticated, and subject to sandbox faults (CONTRACT §6). */
export const ApiV1Controller = (tag: string) =>
  applyDecorators(
    ApiAccountScoped(tag),
    ApiHeader({
      name: 'Sandbox-Fault',
      required: false,
      description:
        `Injects a fault into this one request: one of ${FAULTS.join(', ')}, optionally followed by ` +
        `\`; delay_ms=<0 to ${MAX_FAULT_DELAY_MS}>\` for delay and hold.`,
      schema: { type: 'string', example: 'hold; delay_ms=3000' },
    }),
    ApiErrorResponse(429, '`rate_limit` (sandbox fault `rate_limit`); `Stripe-Should-Retry: true`.', {
      headers: { 'Stripe-Should-Retry': header('Always `true`.', 'true') },
    }),
  );

/** A route on one object: its `id` path parameter, and the 404 when the account has no such object. */
export const ApiObjectId = (kind: string, prefix: string) =>
  applyDecorators(
    ApiParam({ name: 'id', description: `The ${kind}'s id (\`${prefix}_…\`).`, example: `${prefix}_1a2b3c` }),
    ApiErrorResponse(404, `\`resource_missing\`: no ${kind} with this id in the caller's account.`),
  );

/** The media types a POST body may have (CONTRACT §2), and the refusals of a body as a whole. */
export const ApiPostBody = () =>
  applyDecorators(
    ApiConsumes('application/x-www-form-urlencoded', 'application/json'),
    ApiErrorResponse(413, '`invalid_request_error`: the body is over 1 MB; nothing changes.'),
    ApiErrorResponse(415, '`invalid_request_error`: a body of another media type, or in a Content-Encoding other than gzip, deflate or br.'),
  );

/**
 * A POST under `/v1`: its bodies, its `Idempotency-Key`, and the answers a key can give
 * (CONTRACT §5). `ok` describes the endpoint's own success, and `schema` names its body. An endpoint all of whose parameters
 * are optional names its DTO in `optionalBody`, so that an empty body is documented as valid.
 */
export const ApiIdempotentPost = (ok: string, schema: ResponseSchema, optionalBody?: Type) =>
  applyDecorators(
    ...(optionalBody ? [ApiBody({ type: optionalBody, required: false })] : []),
    ApiPostBody(),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        `1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters, scoped to the account. A retry with the same key ` +
        'and parameters replays the stored status and body byte for byte without executing again; errors that are the ' +
        "endpoint's outcome (402, a 404 for a referenced object, a 400 about a charge's state) are replayed too; " +
        'refusals (a 400 for a parameter, 401, 429) are not. ' +
        "A replay carries `Idempotent-Replayed: true` and `Original-Request: <the first request's Request-Id>`. " +
        'Any other form is a 400 with `param: "Idempotency-Key"`.',
      schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH, pattern: '^[ -~]+$' },
    }),
    ApiOkResponse({
      description: ok,
      schema: schemaRef(schema),
      headers: {
        'Idempotency-Key': header("The request's key, echoed when one was sent."),
        'Idempotent-Replayed': header('`true` when this is a stored answer replayed for a retry.', 'true'),
        'Original-Request': header('On a replay: the `Request-Id` of the request that executed.', 'req_1a2b3c'),
      },
    }),
    ApiErrorResponse(
      409,
      '`idempotency_error`. `idempotency_key_reused`: the key was first used with other parameters or on another ' +
        'endpoint; `Stripe-Should-Retry: false` (sent as 400 or 422 instead when `IDEMPOTENCY_MISMATCH_STATUS` says ' +
        'so). `idempotency_key_in_use`: a request with this key is still executing; `Stripe-Should-Retry: true` and ' +
        `\`Retry-After: ${IN_USE_RETRY_AFTER_SECONDS}\`. Nothing executes in either case.`,
      {
        headers: {
          'Stripe-Should-Retry': header('`false` for idempotency_key_reused, `true` for idempotency_key_in_use.'),
          'Retry-After': header('Seconds to wait; sent with idempotency_key_in_use.', String(IN_USE_RETRY_AFTER_SECONDS)),
        },
        examples: {
          'The key was first used with other parameters': keyReusedError('order-42', 409),
          'A request with the key is still executing': keyInUseError(),
        },
      },
    ),
    ApiErrorResponse(422, "`idempotency_key_reused`, when `IDEMPOTENCY_MISMATCH_STATUS=422` (the IETF draft's status)."),
  );

/** `metadata`, as Stripe's: a hash of strings, and in form bodies `metadata[key]=value`. */
export const ApiMetadataProperty = () =>
  ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: METADATA_MAX_VALUE_LENGTH },
    maxProperties: METADATA_MAX_KEYS,
    description:
      `Up to ${METADATA_MAX_KEYS} keys of at most ${METADATA_MAX_KEY_LENGTH} characters, values of at most ` +
      `${METADATA_MAX_VALUE_LENGTH}. Form-encoded as \`metadata[order]=42\`. On update an empty value removes ` +
      'the key, and `metadata=` (empty) removes them all.',
    example: { order: '42' },
  });

/** `expand`: linked objects to return in full; form-encoded as `expand[]=customer` or `expand[0]=customer`. */
export const ApiExpandProperty = (allowed: readonly string[]) =>
  ApiPropertyOptional({
    type: [String],
    enum: [...allowed],
    description: `Linked objects to return in full instead of as ids. Form-encoded as \`expand[]=${allowed[0]}\`.`,
  });

/** Bracket notation, as OpenAPI spells it: `expand[]=customer` or `expand[0]=customer`, `metadata[order]=42`. */
const BRACKETS = { style: 'deepObject', explode: true } as const;

/**
 * Whether a schema is a list or a hash, which travel in bracket notation, or may be one: `created`
 * is a number or a hash of bounds.
 */
const isNested = (schema: SchemaObject | ReferenceObject | undefined): boolean =>
  schema !== undefined &&
  (('type' in schema && (schema.type === 'array' || schema.type === 'object')) || ('oneOf' in schema && (schema.oneOf ?? []).some(isNested)));

/**
 * Tells clients to send lists and hashes in bracket notation, the one the API reads, as Stripe's
 * own OpenAPI document does: on query parameters, and on the properties of form bodies. OpenAPI's
 * defaults would send a list as `expand=customer` and a hash as its bare keys (`order=42`), both
 * of which the API refuses. JSON bodies carry lists and hashes as JSON and need nothing.
 */
function withBracketNotation(document: OpenAPIObject): OpenAPIObject {
  const schemas = document.components?.schemas ?? {};
  for (const operations of Object.values(document.paths)) {
    for (const operation of [operations.get, operations.post, operations.delete]) {
      for (const parameter of (operation?.parameters ?? []) as ParameterObject[]) {
        if (parameter.in === 'query' && isNested(parameter.schema)) Object.assign(parameter, BRACKETS);
      }
      const body = operation?.requestBody;
      const form = body && 'content' in body ? body.content['application/x-www-form-urlencoded'] : undefined;
      const ref = form?.schema && '$ref' in form.schema ? form.schema.$ref : undefined;
      const properties = ref ? (schemas[ref.split('/').pop()!] as SchemaObject | undefined)?.properties : undefined;
      const nested = Object.entries(properties ?? {}).filter(([, schema]) => isNested(schema));
      if (form && nested.length > 0) form.encoding = Object.fromEntries(nested.map(([name]) => [name, { ...BRACKETS }]));
    }
  }
  return document;
}

/** Builds the document from the controllers and serves it: Swagger UI at `/docs`, JSON at `/docs-json`. */
export function setupApiDocs(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('oncepay')
    .setDescription(
      "A local, stateful fake of Stripe's v1 API (customers, charges, idempotency keys) with a sandbox control " +
        'plane for testing retry logic. Bodies may be form-encoded with bracket notation or JSON. Every distinct ' +
        '`sk_test_…` key is its own account. Every response carries `Request-Id`.',
    )
    .setVersion('v1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'sk_test_…', description: 'Authorization: Bearer sk_test_…' }, BEARER)
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'HTTP Basic with the sk_test_… key as user name and no password.' }, BASIC)
    .build();
  // A factory, so the document is built on its first request, not on every boot.
  SwaggerModule.setup(DOCS_PATH, app, () => withResponseSchemas(withBracketNotation(SwaggerModule.createDocument(app, config))), { jsonDocumentUrl: DOCS_JSON_PATH });
}
