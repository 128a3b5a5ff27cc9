/**
 * Writes rows in batches, as PostgreSQL's group commit writes WAL: while one INSERT is on its
 * way, the rows that arrive wait together and go in the next one. A lone row goes at once, so an
 * idle server adds no delay; a busy one sends one multi-row INSERT, one round trip and one commit,
 * for many requests instead of one each.
 *
 * `write` resolves once the row's INSERT has finished, so a caller that waits for it knows its row
 * is committed, or that writing it failed: `write` never rejects, it hands the error to `onError`
 * (which must not throw) and resolves. Only one INSERT is in flight at a time, which also keeps
 * the rows in the order `write` was called.
 */
export class BatchedWriter<Row> {
  private queue: { row: Row; done: () => void }[] = [];
  private flushing = false;

  /** `maxBatch`: the most rows one INSERT carries; more wait for the next one. */
  constructor(
    private readonly insert: (rows: Row[]) => Promise<unknown>,
    private readonly onError: (error: unknown, rows: Row[]) => void,
    private readonly maxBatch: number,
  ) {}

  write(row: Row): Promise<void> {
    return new Promise((done) => {
      this.queue.push({ row, done });
      if (!this.flushing) void this.flush();
    });
  }

  /**
   * Sends the queue until it is empty. A row written while an INSERT is awaited lands in the queue
   * and is taken by the next turn of this loop, so one loop serves every row. The loop's last
   * check of the queue and `flushing = false` run with no `await` between them, so no row can
   * arrive in that gap and be left unsent.
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const rows = batch.map((entry) => entry.row);
      try {
        await this.insert(rows);
      } catch (error) {
        this.onError(error, rows);
      } finally {
        for (const entry of batch) entry.done();
      }
    }
    this.flushing = false;
  }
}
