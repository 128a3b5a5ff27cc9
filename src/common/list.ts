import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidateBy } from 'class-validator';
import type { ObjectLiteral, Repository } from 'typeorm';
import type { AccountObject } from './account-object.entity';
import { InvalidRequestError, shortName } from './errors';
import type { ObjectKind } from './find-owned';
import { isIdOf } from './ids';
import { EmptyToNull, IsText, ToInteger, toInteger } from './validation';

/** Page size when the client does not ask for one, and the largest it may ask for (Stripe's). */
export const DEFAULT_LIST_LIMIT = 10;
export const MAX_LIST_LIMIT = 100;

/** The bounds a `created` filter may take, as `created[gt]=…`; a bare `created=…` is one second. */
const CREATED_BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const;
type CreatedFilter = number | Partial<Record<(typeof CREATED_BOUNDS)[number], number>>;

/**
 * The latest second a `created` bound is taken to mean (9999-12-31T23:59:59Z). Bounds beyond it, or
 * before 1970, are moved to it or to 0: no object was created out there, so the answer is the same,
 * and every bound stays a date that both JavaScript and PostgreSQL can hold.
 */
const LATEST_CREATED = 253_402_300_799;

/** Why a `created` filter is not one in shape, or undefined: Unix seconds, or a hash of bounds. */
function createdShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const bounds = CREATED_BOUNDS.join(', ');
  if (Array.isArray(value)) return `Invalid created: must be a whole number of Unix seconds, or a hash of ${bounds} (created[gte]=1700000000).`;
  const other = Object.keys(value).find((bound) => !(CREATED_BOUNDS as readonly string[]).includes(bound));
  return other === undefined ? undefined : `Invalid created: ${other} is not a bound; use ${bounds}.`;
}

/** The first of a `created` filter's values that is not a number (as `toInteger` read it), by its name. */
function createdNonInteger(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return typeof value === 'number' ? undefined : 'created';
  const bad = Object.entries(value).find(([, item]) => typeof item !== 'number');
  return bad && `created[${bad[0]}]`;
}

/**
 * `created` as a list filter, as Stripe takes it: `created=1700000000` (that second) or
 * `created[gte]=…&created[lt]=…`. Numbers arrive as text and are read as `ToInteger` reads them;
 * anything else stays as sent, for the checks to name. The numbers are refused as any integer is,
 * with Stripe's code; a wrong shape is reported before them (`firstFailure` reports the check
 * registered last, which is the one written first among stacked decorators).
 */
const IsCreatedFilter = () => (object: object, property: string) => {
  Transform(({ value }) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).map(([bound, item]) => [bound, toInteger(item)]))
      : toInteger(value),
  )(object, property);
  ValidateBy(
    {
      name: 'isCreatedInteger',
      validator: {
        validate: (value: unknown) => createdNonInteger(value) === undefined,
        defaultMessage: (args) => `Invalid integer: ${createdNonInteger(args?.value) ?? 'created'} must be a whole number of Unix seconds, of at most 15 digits.`,
      },
    },
    { context: { code: 'parameter_invalid_integer' } },
  )(object, property);
  ValidateBy({
    name: 'isCreatedFilter',
    validator: {
      validate: (value: unknown) => createdShapeProblem(value) === undefined,
      defaultMessage: (args) => createdShapeProblem(args?.value) ?? 'Invalid created.',
    },
  })(object, property);
};

/**
 * The parameters every list endpoint takes; list DTOs extend this with their filters. Each one sent
 * empty (`limit=`, `starting_after=`) is as if not sent, as an empty filter is.
 */
export class ListParamsDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT, description: 'Page size.' })
  @IsOptional()
  @EmptyToNull()
  @ToInteger()
  @IsInt({ message: `Invalid integer: limit must be a whole number from 1 to ${MAX_LIST_LIMIT}.` })
  @Min(1, { message: 'Invalid limit: must be at least 1.' })
  @Max(MAX_LIST_LIMIT, { message: `Invalid limit: must be at most ${MAX_LIST_LIMIT}.` })
  limit?: number | null;

  @ApiPropertyOptional({ type: String, description: 'A cursor: the id after which (towards older objects) the page starts.' })
  @IsOptional()
  @EmptyToNull()
  @IsText()
  starting_after?: string | null;

  @ApiPropertyOptional({ type: String, description: 'A cursor: the id before which (towards newer objects) the page ends.' })
  @IsOptional()
  @EmptyToNull()
  @IsText()
  ending_before?: string | null;

  @ApiPropertyOptional({
    oneOf: [
      { type: 'integer', description: 'Created in this second.' },
      { type: 'object', properties: Object.fromEntries(CREATED_BOUNDS.map((bound) => [bound, { type: 'integer' }])) },
    ],
    description: 'Only objects created in this range of Unix seconds: `created[gte]=1700000000&created[lt]=1700086400`, or one second.',
  })
  @IsOptional()
  @EmptyToNull()
  @IsCreatedFilter()
  created?: CreatedFilter | null;
}

/**
 * A `created` filter as the least and the first excluded second: `created=n` is [n, n + 1),
 * `gt: n` is n + 1 on, `lte: n` is up to n + 1. `created` on the wire is the second an object was
 * created in, rounded down (`unixSeconds`), so these bounds compare the stored instant exactly as
 * a client comparing `created` would.
 */
function createdSpan(filter: CreatedFilter): { from: number; until: number } {
  const range = typeof filter === 'number' ? { gte: filter, lte: filter } : filter;
  const froms = [range.gte, range.gt === undefined ? undefined : range.gt + 1];
  const untils = [range.lt, range.lte === undefined ? undefined : range.lte + 1];
  const clamp = (second: number) => Math.min(Math.max(second, 0), LATEST_CREATED + 1);
  return {
    from: clamp(Math.max(0, ...froms.filter((second) => second !== undefined))),
    until: clamp(Math.min(LATEST_CREATED + 1, ...untils.filter((second) => second !== undefined))),
  };
}

export interface ListEnvelope<T> {
  object: 'list';
  url: string;
  has_more: boolean;
  data: T[];
}

/**
 * One page of an account's objects, newest first, as Stripe pages them: `starting_after` walks
 * towards older objects, `ending_before` towards newer ones, and `has_more` says whether another
 * page lies in that direction. One extra row is fetched to learn `has_more` without a count.
 * `gone` holds the places of objects deleted since (customers' tombstones): a cursor found there
 * still marks where the page starts, so a client deleting objects as it walks them walks on.
 */
export async function listPage<T extends AccountObject>(
  repo: Repository<T>,
  filter: Partial<Record<keyof T, unknown>> & { account: string },
  params: ListParamsDto,
  kind: ObjectKind,
  gone?: Repository<{ id: string; account: string; seq: string }>,
): Promise<{ rows: T[]; hasMore: boolean }> {
  if (params.starting_after != null && params.ending_before != null) {
    throw new InvalidRequestError('Received both starting_after and ending_before parameters. Please pass in only one.', { param: 'ending_before' });
  }
  const limit = params.limit ?? DEFAULT_LIST_LIMIT;
  const query = repo.createQueryBuilder('o').where(filter);
  if (params.created != null) {
    const { from, until } = createdSpan(params.created);
    query.andWhere('o.created >= :from AND o.created < :until', { from: new Date(from * 1000), until: new Date(until * 1000) });
  }
  const cursorParam = params.starting_after != null ? 'starting_after' : params.ending_before != null ? 'ending_before' : undefined;
  const backwards = cursorParam === 'ending_before';
  if (cursorParam) {
    // `cursorParam` names whichever cursor was found set just above.
    const cursorId = params[cursorParam]!;
    const where = { id: cursorId, account: filter.account };
    const seqOf = <R extends ObjectLiteral>(from: Repository<R>) =>
      from
        .createQueryBuilder('c')
        .select('c.seq', 'seq')
        .where('c.id = :id AND c.account = :account', where)
        .getRawOne<{ seq: string }>();
    // Only a well-formed id can be found, as in `findOwned`; any other is not looked up.
    const cursor = isIdOf(kind.prefix, cursorId) ? ((await seqOf(repo)) ?? (gone && (await seqOf(gone)))) : undefined;
    if (!cursor) {
      throw new InvalidRequestError(`No such ${kind.name}: '${shortName(cursorId)}'`, { code: 'resource_missing', param: cursorParam });
    }
    query.andWhere(backwards ? 'o.seq > :seq' : 'o.seq < :seq', { seq: cursor.seq });
  }
  const rows = await query
    .orderBy('o.seq', backwards ? 'ASC' : 'DESC')
    .limit(limit + 1)
    .getMany();
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  return { rows: backwards ? page.reverse() : page, hasMore };
}

export function listEnvelope<T>(url: string, data: T[], hasMore: boolean): ListEnvelope<T> {
  return { object: 'list', url, has_more: hasMore, data };
}
