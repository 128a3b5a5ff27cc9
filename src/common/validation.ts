import { applyDecorators, ArgumentMetadata, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsArray, IsEmail, IsIn, IsOptional, IsString, ValidateBy } from 'class-validator';
import { InvalidRequestError, UnknownParameterError } from './errors';

/** Longest free-text field (`description`, …), as Stripe's. */
export const MAX_TEXT_LENGTH = 5000;
/** Longest customer `name`. */
export const MAX_NAME_LENGTH = 256;
/** Longest email address (`email`, `receipt_email`, the `email` list filter). */
export const MAX_EMAIL_LENGTH = 512;
/** Longest `phone`: digits and the usual separators. */
export const MAX_PHONE_LENGTH = 20;

/**
 * Characters as every length limit counts them: code points, so 😀 is one (a flag is two, and a
 * variation selector one more), not the two UTF-16 units of JavaScript's `length`.
 */
export function characters(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/**
 * A string of at most `max` characters (`characters`). class-validator's `MaxLength` is not used:
 * it counts a variation selector after another character (the U+FE0F in ☺️) as nothing, so a
 * `name` of 256 such pairs, 512 code points, would pass a limit of 256.
 */
export const MaxCharacters = (max: number) =>
  ValidateBy({
    name: 'maxCharacters',
    constraints: [max],
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || characters(value) <= max,
      defaultMessage: (args) => `Invalid ${args?.property}: must be at most ${max} characters long.`,
    },
  });

/**
 * An optional e-mail address (a customer's `email`, a charge's `receipt_email`): sent empty, it is
 * `null`, which clears it on an update. `applyDecorators` registers in the order given, the
 * reverse of decorators written one above the other, and `firstFailure` reports the check
 * registered last: `IsEmail` comes last, so that an address both malformed and too long is
 * `email_invalid`, as when the checks were written out on each field.
 */
export const OptionalEmail = () =>
  applyDecorators(IsOptional(), EmptyToNull(), MaxCharacters(MAX_EMAIL_LENGTH), IsEmail({}, { message: 'Invalid email address.' }));

/**
 * A text parameter. class-validator's own words for a value of another type ("name must be a
 * string") read unlike the rest of the API's messages; these say what was wrong the same way.
 */
export const IsText = () => IsString({ message: (args) => `Invalid ${args.property}: must be a string.` });

/**
 * Stripe's error code for a failed class-validator constraint, where Stripe has one, so that a
 * client branching on `code` (a form mapping errors to its fields, say) sees what Stripe sends. A
 * decorator may name a code of its own with `context: { code }`: an amount over the maximum is
 * `amount_too_large`. Constraints with neither answer without a code, as many of Stripe's do. An
 * unknown parameter (`whitelistValidation`) is `UnknownParameterError`, with Stripe's code and words.
 */
const CONSTRAINT_CODES: Record<string, string> = {
  isDefined: 'parameter_missing',
  isInt: 'parameter_invalid_integer',
  isEmail: 'email_invalid',
};

/** The 400 for the first failed constraint, descending into nested errors, naming its bracketed path. */
function firstFailure(error: ValidationError, parent = ''): InvalidRequestError {
  const param = parent ? `${parent}[${error.property}]` : error.property;
  if (error.constraints) {
    // class-validator lists a property's failed constraints bottom-up (decorators run from the
    // last written to the first), so the last entry is the check written first, which DTOs keep
    // for the most basic one (the type). A missing parameter is reported before anything else.
    const entries = Object.entries(error.constraints);
    const [name, message] = entries.find(([n]) => n === 'isDefined') ?? entries[entries.length - 1];
    if (name === 'whitelistValidation') return new UnknownParameterError(param);
    const code = (error.contexts?.[name] as { code?: string } | undefined)?.code ?? CONSTRAINT_CODES[name];
    return new InvalidRequestError(message, { param, ...(code && { code }) });
  }
  return firstFailure(error.children![0], param);
}

/**
 * The validation pipe for every controller: converts class-validator's errors into a 400
 * `invalid_request_error` naming the first rejected parameter in `param`, and refuses unknown
 * parameters as Stripe does, so a typo is an error rather than silently ignored.
 *
 * One kind of unknown parameter needs its own check: a name that every object already has, such
 * as `toString` or `valueOf`. class-transformer skips such a key when it copies the parameters
 * into the DTO (the DTO has it as a function), so the whitelist never sees it and the request
 * would succeed with the parameter silently dropped. No oncepay parameter has such a name.
 * (`constructor` and `prototype` never get here: the parser refuses them, see params.ts.)
 */
class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if ((metadata.type === 'body' || metadata.type === 'query') && typeof value === 'object' && value !== null) {
      const builtIn = Object.keys(value).find((key) => key in Object.prototype);
      if (builtIn !== undefined) throw new UnknownParameterError(builtIn);
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => firstFailure(errors[0]),
  });
}

/**
 * The query pipe of an endpoint that takes no parameters (`GET /v1/customers/:id`, the deletes,
 * `GET /_sandbox/faults`): any parameter is unknown and answers 400, as Stripe's do, rather than
 * being ignored. It is a pipe and not an empty DTO because class-validator, with
 * `forbidUnknownValues`, refuses to validate an instance of a class that declares no property.
 */
export class NoParamsPipe implements PipeTransform {
  transform(value: unknown): unknown {
    const name = typeof value === 'object' && value !== null ? Object.keys(value)[0] : undefined;
    if (name !== undefined) throw new UnknownParameterError(name);
    return value;
  }
}

/**
 * Form parameters arrive as strings. These turn a string of digits into a number and `"true"` /
 * `"false"` into a boolean, and leave anything else as it is, so that the validator rejects it by
 * name (`"12.5"`, `"1e3"` and `"abc"` stay strings and fail `@IsInt`). A leading zero
 * (`"02000"`) or `-0` is refused too: the idempotency fingerprint compares parameters as sent, so
 * `amount=02000` and `amount=2000` would charge the same amount yet count as different requests
 * under one key.
 */
export const toInteger = (value: unknown): unknown =>
  typeof value === 'string' && /^(0|-?[1-9]\d{0,14})$/.test(value) ? Number(value) : value;
export const ToInteger = () => Transform(({ value }) => toInteger(value));
export const ToBoolean = () =>
  Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));
/** Stripe treats an empty string as "unset"; on update it clears the field. */
export const EmptyToNull = () => Transform(({ value }) => (value === '' ? null : value));

/** `expand[]`: which linked objects to return in full instead of as ids. */
export const Expandable = (allowed: readonly string[]) =>
  applyDecorators(
    IsOptional(),
    IsArray({ message: 'Invalid expand: must be a list, e.g. expand[]=customer.' }),
    IsIn(allowed, { each: true, message: `This property cannot be expanded: only ${allowed.join(', ')} can be.` }),
  );
