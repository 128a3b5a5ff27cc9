import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import type { ObjectLiteral, Repository } from 'typeorm';
import type { AccountObject } from './account-object.entity';
import { InvalidRequestError, shortName } from './errors';
import type { ObjectKind } from './find-owned';
import { isIdOf } from './ids';
import { EmptyToNull, ToInteger } from './validation';

/** Page size when the client does not ask for one, and the largest it may ask for (Stripe's). */
export const DEFAULT_LIST_LIMIT = 10;
export const MAX_LIST_LIMIT = 100;

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
  @IsString()
  starting_after?: string | null;

  @ApiPropertyOptional({ type: String, description: 'A cursor: the id before which (towards newer objects) the page ends.' })
  @IsOptional()
  @EmptyToNull()
  @IsString()
  ending_before?: string | null;
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
    throw new InvalidRequestError('You may only specify one of starting_after and ending_before.', { param: 'ending_before' });
  }
  const limit = params.limit ?? DEFAULT_LIST_LIMIT;
  const query = repo.createQueryBuilder('o').where(filter);
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
