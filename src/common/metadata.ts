import { Transform } from 'class-transformer';
import { registerDecorator, ValidationArguments } from 'class-validator';
import { InvalidRequestError } from './errors';
import type { Param } from './params';
import { characters } from './validation';

/**
 * Stripe's limits on `metadata`: at most 50 keys, each key at most 40 characters, each value at
 * most 500 characters.
 */
export const METADATA_MAX_KEYS = 50;
export const METADATA_MAX_KEY_LENGTH = 40;
export const METADATA_MAX_VALUE_LENGTH = 500;

/** A Stripe metadata hash: string keys to string values. */
export type Metadata = Record<string, string>;

/**
 * Stripe's update semantics for `metadata`: keys sent are set, a key sent with an empty value is
 * removed, keys not sent are kept, and `metadata=""` removes them all.
 */
export function mergeMetadata(current: Metadata, update: Param | undefined): Metadata {
  if (update === undefined) return current;
  if (update === '') return {};
  const merged = { ...current };
  for (const [key, value] of Object.entries(update as Metadata)) {
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** On create there is nothing to remove: empty values are simply left out. */
export function newMetadata(input: Param | undefined): Metadata {
  return mergeMetadata({}, input);
}

/**
 * Validates a `metadata` hash: an object of strings within Stripe's limits. The hash is kept as
 * the parameter parser made it: class-transformer, copying a nested object into the DTO, skips
 * keys the copy already has as functions (`toString`, `valueOf`, …), and those are
 * keys a client may use like any other. The parser's object has only own data properties, so
 * taking it as it is lets nothing reach a prototype.
 */
export function IsMetadata() {
  const keepAsParsed = Transform(({ obj, key }) => (obj as Record<string, unknown>)[key], { toClassOnly: true });
  return (object: object, propertyName: string) => {
    keepAsParsed(object, propertyName);
    registerDecorator({
      name: 'isMetadata',
      target: object.constructor,
      propertyName,
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          return metadataProblem(value, args.property) === undefined;
        },
        defaultMessage(args: ValidationArguments) {
          return metadataProblem(args.value, args.property) ?? 'Invalid metadata.';
        },
      },
    });
  };
}

/** Accepts an empty string too: Stripe's way of saying "remove all metadata" on update. */
function metadataProblem(value: unknown, param: string): string | undefined {
  if (value === '') return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `Invalid ${param}: must be a hash of string keys to string values.`;
  }
  const entries = Object.entries(value);
  // Keys sent empty set nothing (on create they are left out, on update they remove a key), so
  // only the keys with a value count here; what an update leaves is checked after the merge
  // (`checkMetadataSize`). The parser bounds the whole hash to MAX_OBJECT_KEYS anyway.
  const set = entries.filter(([, item]) => item !== '').length;
  if (set > METADATA_MAX_KEYS) {
    return `Invalid ${param}: at most ${METADATA_MAX_KEYS} keys are allowed, got ${set}.`;
  }
  for (const [key, item] of entries) {
    if (key.length === 0 || characters(key) > METADATA_MAX_KEY_LENGTH) {
      return `Invalid ${param}: keys must be 1 to ${METADATA_MAX_KEY_LENGTH} characters long.`;
    }
    // Stripe's one rule on a key's characters. A form could not send such a key anyway (the
    // parser refuses `metadata[a[b]]`), so without this rule JSON could store a key that a form,
    // or the stripe SDK, could then never update or remove one at a time.
    if (/[[\]]/.test(key)) return `Invalid ${param}: keys cannot contain square brackets ([ or ]).`;
    if (typeof item !== 'string') return `Invalid ${param}[${key}]: values must be strings.`;
    if (characters(item) > METADATA_MAX_VALUE_LENGTH) {
      return `Invalid ${param}[${key}]: values must be at most ${METADATA_MAX_VALUE_LENGTH} characters long.`;
    }
  }
  return undefined;
}

/** After an update merges new keys in, the result must still respect the key limit. */
export function checkMetadataSize(metadata: Metadata): Metadata {
  if (Object.keys(metadata).length > METADATA_MAX_KEYS) {
    throw new InvalidRequestError(`Invalid metadata: at most ${METADATA_MAX_KEYS} keys are allowed.`, { param: 'metadata' });
  }
  return metadata;
}
