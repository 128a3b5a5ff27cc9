import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { Charge } from '../charges/charge.entity';
import { ResourceMissingError } from '../common/errors';
import { isIdOf, newId } from '../common/ids';
import { Customer } from '../customers/customer.entity';
import { DeletedCustomer } from '../customers/deleted-customer.entity';
import { lockAccountForReset } from '../database/account-lock';
import { insertRows } from '../database/insert-rows';
import { IdempotencyKey } from '../idempotency/idempotency-key.entity';
import { ArmFaultDto } from './dto/arm-fault.dto';
import { AppliedFault, FaultName, spellFaultPath, TIMED_FAULTS } from './faults';
import { LoggedRequest } from './logged-request.entity';
import { DEFAULT_FAULT_DELAY_MS } from './sandbox.constants';
import { SandboxFault } from './sandbox-fault.entity';

@Injectable()
export class SandboxService {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get faults() {
    return this.txHost.tx.getRepository(SandboxFault);
  }

  /**
   * Arms a fault. Its path is stored in the canonical spelling that `canonicalizePath` gives every
   * request's path, so it matches the request however either spells its escapes; a prefix's `*`
   * is taken off first, and the rest spelled as the start of a path.
   */
  async arm(account: string, dto: ArmFaultDto): Promise<SandboxFault> {
    const spelled = dto.path === undefined ? undefined : spellFaultPath(dto.path);
    const times = dto.times ?? 1;
    const fault = this.faults.create({
      id: newId('flt'),
      account,
      fault: dto.fault,
      method: dto.method ?? null,
      path: spelled?.path ?? null,
      pathPrefix: spelled?.prefix ?? false,
      times,
      remaining: times,
      delayMs: dto.delay_ms ?? (TIMED_FAULTS.includes(dto.fault) ? DEFAULT_FAULT_DELAY_MS : 0),
      created: new Date(),
    });
    await insertRows(this.faults, [fault]);
    return fault;
  }

  /** The account's faults that have yet to fire, oldest first. */
  list(account: string): Promise<SandboxFault[]> {
    return this.faults.createQueryBuilder('f').where('f.account = :account AND f.remaining > 0', { account }).orderBy('f.seq').getMany();
  }

  /**
   * Disarms a fault that has yet to fire. A spent fault (fired all its `times`) is answered 404,
   * like one never armed: the list no longer shows it. One DELETE both checks and deletes, so a
   * fault firing at this moment cannot slip between the two: `fire` holds the row until its
   * decrement (or, on its last time, its delete) commits, and the DELETE, waiting for it, re-checks
   * `remaining` on the new row, or finds none.
   */
  async disarm(account: string, id: string): Promise<void> {
    const deleted = isIdOf('flt', id)
      ? (await this.faults.createQueryBuilder().delete().where('id = :id AND account = :account AND remaining > 0', { id, account }).execute()).affected
      : 0;
    if (!deleted) throw new ResourceMissingError('fault', id, 'id');
  }

  /**
   * Fires the oldest armed fault of this account that matches the request, if any, and counts it
   * down, or deletes it when this was its last time: a spent fault is never shown or fired again,
   * and a row kept for it would be read by every later request's lookup. One statement does it all,
   * so it is safe across processes: `target`'s `FOR UPDATE` makes a concurrent request wait for
   * this one's decrement (or delete) and then re-check the row (READ COMMITTED re-evaluates locked
   * rows, and skips a deleted one for the next match), reading `remaining` as this one left it. So
   * a fault armed for N requests fires for exactly N, never N + 1, however many arrive at once.
   * `spent` and `counted` act on `target`'s row under disjoint conditions: exactly one of them does.
   */
  async fire(account: string, method: string, path: string): Promise<AppliedFault | undefined> {
    // The statement's outer part is a SELECT, so TypeORM's postgres driver answers its rows alone
    // (a bare UPDATE … RETURNING would come as [rows, affected count]).
    const rows: { fault: FaultName; delay_ms: number }[] = await this.txHost.tx.query(
      `WITH target AS (
         SELECT id, remaining FROM sandbox_faults
          WHERE account = $1 AND remaining > 0
            AND (method IS NULL OR method = $2)
            AND (path IS NULL OR (path_prefix AND starts_with($3, path)) OR (NOT path_prefix AND path = $3))
          ORDER BY seq
          LIMIT 1
          FOR UPDATE),
       spent AS (
         DELETE FROM sandbox_faults f USING target WHERE f.id = target.id AND target.remaining = 1
         RETURNING f.fault, f.delay_ms),
       counted AS (
         UPDATE sandbox_faults f SET remaining = f.remaining - 1 FROM target WHERE f.id = target.id AND target.remaining > 1
         RETURNING f.fault, f.delay_ms)
       SELECT fault, delay_ms FROM spent UNION ALL SELECT fault, delay_ms FROM counted`,
      [account, method, path],
    );
    const fired = rows[0];
    return fired && { fault: fired.fault, delayMs: fired.delay_ms };
  }

  /**
   * Erases everything the account has: objects, idempotency keys, faults and log, at once. Each
   * DELETE sees what has committed by the time it starts, so the account lock, taken first, is
   * what keeps a request that commits meanwhile from landing between two of them, its charge kept
   * and its key erased: the reset waits for the account's writes in flight, and new ones wait for
   * it (see `lockAccountForReset`). A customer's delete is one statement that takes no account
   * lock (see `CustomersService.remove`); customers are erased before their tombstones, so one
   * that commits meanwhile either removed its row before the reset's DELETE of customers, and its
   * tombstone is erased by the DELETE after, or finds the row already erased and writes none.
   */
  async reset(account: string): Promise<void> {
    await this.txHost.withTransaction(async () => {
      await lockAccountForReset(this.txHost.tx, account);
      for (const entity of [Charge, Customer, DeletedCustomer, IdempotencyKey, SandboxFault, LoggedRequest]) {
        await this.txHost.tx.getRepository(entity).delete({ account });
      }
    });
  }
}
