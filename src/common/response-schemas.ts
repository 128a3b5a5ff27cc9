import { ApiOkResponse, type OpenAPIObject, type ReferenceObject, type SchemaObject } from '@nestjs/swagger';
import { sampleChargeViews } from '../charges/charge.view';
import { CUSTOMER_EXPANDABLE, customerView, deletedCustomerView, sampleCustomers } from '../customers/customer.view';

/**
 * OpenAPI schemas of what the API answers, read off the answers themselves. The views
 * (`chargeView`, `customerView`, …) are the one description of each object's shape; rather than
 * write it again as decorated classes, which would drift from them, the document describes a few
 * sample objects as the views render them. A sample set should hold every state that changes a
 * field's type (a declined charge has a `failure_code`, a captured one a `balance_transaction`).
 */

/** Fields that are hashes of strings under any keys, whatever keys the samples happen to hold. */
const STRING_MAPS = new Set(['metadata']);

/** The JSON type of a value, as a schema names it. */
function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * Where an object the API nests in another (an expanded customer) has a schema of its own: the
 * `$ref` of its schema, or undefined to describe it in place.
 */
export type RefOf = (value: Record<string, unknown>) => string | undefined;

/**
 * The schema that every one of `samples` fits: the union of their types, nullable if any is
 * null; an object's properties are the union of the samples', required when every sample that is
 * an object has them. A field that is null in every sample is one oncepay never fills. Nested
 * objects that `refOf` names are referred to, not described again.
 */
export function schemaOf(samples: object[], refOf: RefOf = () => undefined): SchemaObject {
  // The samples themselves are described in place, whatever `refOf` says of them.
  return describe(samples, (value) => (samples.includes(value) ? undefined : refOf(value)), '') as SchemaObject;
}

/** `schemaOf` for the values of one field (`name`) across the samples, or the samples themselves. */
function describe(samples: unknown[], refOf: RefOf, name: string): SchemaObject | ReferenceObject {
  const present = samples.filter((value) => value !== null);
  const nullable = present.length < samples.length ? { nullable: true } : {};
  // No type: the value is always null, and a schema without a type allows null already.
  if (present.length === 0) return { description: 'Always null in oncepay.' };
  if (STRING_MAPS.has(name)) return { type: 'object', additionalProperties: { type: 'string' }, ...nullable };
  const types = [...new Set(present.map(typeOf))];
  if (types.length > 1) {
    // anyOf, not oneOf: the alternatives are of different types, and null, when it may be, is
    // allowed by the first of them only (OpenAPI 3.0 has no type of its own for null, and a
    // `$ref` takes no other keyword beside it, so a referred object is never first).
    const alternatives = types.map((type) => describe(present.filter((v) => typeOf(v) === type), refOf, name));
    alternatives.sort((a, b) => Number('$ref' in a || 'anyOf' in a) - Number('$ref' in b || 'anyOf' in b));
    return { anyOf: [{ ...alternatives[0], ...nullable }, ...alternatives.slice(1)] };
  }
  const [type] = types;
  if (type === 'array') {
    const items = (present as unknown[][]).flat();
    // A list empty in every sample (`preferred_locales`) says nothing of its items' type.
    return { type, items: items.length > 0 ? describe(items, refOf, name) : {}, ...nullable };
  }
  // An object's `object` names its kind: listed, so that a client can tell the kinds apart.
  if (name === 'object' && type === 'string') return { type, enum: [...new Set(present)], ...nullable };
  if (type !== 'object') return { type, ...nullable };
  const objects = present as Record<string, unknown>[];
  const refs = [...new Set(objects.map(refOf))];
  if (refs.every((ref) => ref !== undefined)) {
    const referred: (SchemaObject | ReferenceObject)[] = refs.map(($ref) => ({ $ref }));
    // As above, null needs an alternative of its own beside a `$ref`.
    if (nullable.nullable) referred.unshift({ type: 'object', nullable: true, enum: [null] });
    return referred.length === 1 ? referred[0] : { anyOf: referred };
  }
  const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  const required = keys.filter((key) => objects.every((o) => key in o));
  return {
    type,
    // A field a sample lacks is not thereby null: only the samples that have it describe it.
    properties: Object.fromEntries(keys.map((key) => [key, describe(objects.filter((o) => key in o).map((o) => o[key]), refOf, key)])),
    ...(required.length > 0 ? { required } : {}),
    ...nullable,
  };
}

/** A list object of `item`s, as every list endpoint answers (`listEnvelope`). */
export function listSchemaOf(itemRef: string, url: string): SchemaObject {
  return {
    type: 'object',
    required: ['object', 'url', 'has_more', 'data'],
    properties: {
      object: { type: 'string', enum: ['list'] },
      url: { type: 'string', example: url },
      has_more: { type: 'boolean' },
      data: { type: 'array', items: { $ref: itemRef } },
    },
  };
}

/** The objects the API answers with, by the name their schema has in the document (`withResponseSchemas`). */
export type ResponseSchema = 'Customer' | 'DeletedCustomer' | 'Charge' | 'CustomerList' | 'ChargeList';
export const schemaRef = (name: ResponseSchema) => ({ $ref: `#/components/schemas/${name}` });

/** A 200 whose body is one of `schemas`. */
export const ApiObjectResponse = (description: string, ...schemas: ResponseSchema[]) =>
  ApiOkResponse({ description, schema: schemas.length === 1 ? schemaRef(schemas[0]) : { oneOf: schemas.map(schemaRef) } });

/**
 * Adds the schemas that responses refer to (`ApiObjectResponse`), read off sample objects as the
 * views render them (`schemaOf`), each with its first sample as the example.
 */
export function withResponseSchemas(document: OpenAPIObject): OpenAPIObject {
  // An expanded customer, or the stub of one deleted since, nested in a charge.
  const refOf = (value: Record<string, unknown>) =>
    value.object === 'customer' ? schemaRef(value.deleted === true ? 'DeletedCustomer' : 'Customer').$ref : undefined;
  const described = (samples: object[]): SchemaObject => ({ ...schemaOf(samples, refOf), example: samples[0] });
  const customers = sampleCustomers();
  const schemas: Record<ResponseSchema, SchemaObject> = {
    // The last sample has every list that `expand` adds, which the others lack.
    Customer: described([...customers.map((customer) => customerView(customer)), customerView(customers[0], CUSTOMER_EXPANDABLE)]),
    DeletedCustomer: described([deletedCustomerView('cus_1a2b3c')]),
    Charge: described(sampleChargeViews()),
    CustomerList: listSchemaOf(schemaRef('Customer').$ref, '/v1/customers'),
    ChargeList: listSchemaOf(schemaRef('Charge').$ref, '/v1/charges'),
  };
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...schemas } };
  return document;
}
