import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsOptional, Matches, Max, Min, ValidateBy, ValidationArguments } from 'class-validator';
import { IsText, MaxCharacters, ToInteger } from '../../common/validation';
import { FAULTS, isFault, spellFaultPath, TIMED_FAULTS, untimedFaultError } from '../faults';
import { DEFAULT_FAULT_DELAY_MS, MAX_FAULT_DELAY_MS, MAX_FAULT_PATH_LENGTH, MAX_FAULT_TIMES } from '../sandbox.constants';

/**
 * A path a fault can match: `/v1/…` exactly or as a prefix, or a prefix of `/v1/` itself. It holds
 * nothing that the path of a request reaching the faults ever holds: no `?` or `#` (the query and
 * fragment are not part of the path a fault is matched against), no `.` or `..` segment (clients
 * resolve those before sending), no empty segment or trailing `/` (oncepay routes neither), and no
 * `%` that does not start an escape (such a path is refused before faults run).
 */
const FAULT_PATH = /^(?!.*\/\.\.?(?:\/|$))(?!.*\/\/)(?!.*\/$)(?!.*%(?![0-9A-Fa-f]{2}))(\/v1\/[^*\s?#]*\*?|\/(v1?)?\*)$/;

/**
 * Whether a fault path that passes FAULT_PATH can still be met once spelled as requests are: its
 * escapes can hide a dot segment (`/v1/%2e%2e/charges`) or bytes that are not UTF-8 (`%C0%AF`),
 * which no request reaching the faults has, or a `*` (`%2A`), which in a fault's path marks a
 * prefix and so cannot stand for itself.
 */
function reachable(path: unknown): boolean {
  if (typeof path !== 'string' || !FAULT_PATH.test(path)) return true; // FAULT_PATH's own message
  const spelled = spellFaultPath(path);
  return spelled.decodes && !spelled.path.includes('*') && FAULT_PATH.test(spelled.path + (spelled.prefix ? '*' : ''));
}

/**
 * The `fault` sent beside the parameter being validated, whatever it is. class-validator types the
 * arguments as optional, but passes them to every `validate` and `defaultMessage` it calls, and
 * the object is the DTO it is validating.
 */
const faultArmed = (args?: ValidationArguments): string => String((args!.object as ArmFaultDto).fault);

/** The parameters of `POST /_sandbox/faults`. */
export class ArmFaultDto {
  @ApiProperty({ enum: FAULTS, description: 'What the matching requests suffer (CONTRACT §6).' })
  @IsDefined({ message: `Missing required param: fault (one of ${FAULTS.join(', ')}).` })
  @IsIn(FAULTS, { message: `Unknown fault: use one of ${FAULTS.join(', ')}.` })
  fault!: (typeof FAULTS)[number];

  @ApiPropertyOptional({ enum: ['GET', 'POST', 'DELETE'], description: 'Only requests with this method; any case. Default: any.' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.toUpperCase() : value))
  @IsIn(['GET', 'POST', 'DELETE'], { message: 'Invalid method: use GET, POST or DELETE.' })
  method?: string;

  /**
   * An exact path (`/v1/charges`), or a prefix ending in `*` (`/v1/charges*`). Faults act on `/v1`
   * requests only, so a path that can match none (`/health`, `/_sandbox/faults`) is refused rather
   * than armed to never fire: it is `/v1/…`, or a prefix of `/v1/` itself (`/*`, `/v*`, `/v1*`),
   * with no query, fragment or dot segment (see FAULT_PATH). `SandboxService.arm` stores it in
   * the one spelling that requests are matched in, so `/v1/charges/ch%5Fx` and
   * `/v1/charges/ch_x` arm the same fault.
   */
  @ApiPropertyOptional({
    maxLength: MAX_FAULT_PATH_LENGTH,
    pattern: FAULT_PATH.source,
    example: '/v1/charges',
    description: 'An exact /v1 path, or a prefix ending in `*` (`/v1/*`). Default: any /v1 path.',
  })
  @IsOptional()
  @IsText()
  @MaxCharacters(MAX_FAULT_PATH_LENGTH)
  @Matches(FAULT_PATH, {
    message: 'Invalid path: faults act on /v1 requests; use a path such as /v1/charges, or a prefix ending in * such as /v1/*.',
  })
  @ValidateBy({
    name: 'reachableFaultPath',
    validator: {
      validate: reachable,
      defaultMessage: () =>
        'Invalid path: its escapes spell a dot segment or bytes that are not UTF-8, which no request path has, or a *, which only ends a prefix.',
    },
  })
  path?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_FAULT_TIMES, default: 1, description: 'How many requests it fires on.' })
  @IsOptional()
  @ToInteger()
  @IsInt({ message: 'Invalid times: must be a whole number.' })
  @Min(1, { message: 'Invalid times: must be at least 1.' })
  @Max(MAX_FAULT_TIMES, { message: `Invalid times: must be at most ${MAX_FAULT_TIMES}.` })
  times?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_FAULT_DELAY_MS,
    default: DEFAULT_FAULT_DELAY_MS,
    description: 'For `delay` and `hold`: how long, in milliseconds.',
  })
  @IsOptional()
  @ToInteger()
  @IsInt({ message: 'Invalid delay_ms: must be a whole number of milliseconds.' })
  @Min(0, { message: 'Invalid delay_ms: must not be negative.' })
  @Max(MAX_FAULT_DELAY_MS, { message: `Invalid delay_ms: must be at most ${MAX_FAULT_DELAY_MS}.` })
  @ValidateBy({
    name: 'timedFault',
    validator: {
      // Only for a known fault: an unknown one is refused under `fault`. A malformed delay_ms is
      // reported before this, as the check written first (see `firstFailure` in validation.ts).
      validate: (_value, args) => {
        const fault = faultArmed(args);
        return !isFault(fault) || TIMED_FAULTS.includes(fault);
      },
      defaultMessage: (args) => untimedFaultError(faultArmed(args), 'delay_ms').message,
    },
  })
  delay_ms?: number;
}
