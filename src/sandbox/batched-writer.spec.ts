import { BatchedWriter } from './batched-writer';

/** An insert that the test finishes by hand, so it can see what arrives while one is in flight. */
function manualInsert() {
  const calls: { rows: number[]; finish: (error?: Error) => void }[] = [];
  const insert = jest.fn(
    (rows: number[]) => new Promise<void>((resolve, reject) => calls.push({ rows, finish: (error) => (error ? reject(error) : resolve()) })),
  );
  return { insert, calls };
}

const settled = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('BatchedWriter', () => {
  it('sends a lone row at once, and resolves its write only when the insert has finished', async () => {
    const { insert, calls } = manualInsert();
    const writer = new BatchedWriter(insert, jest.fn(), 200);
    let written = false;
    const write = writer.write(1).then(() => (written = true));
    expect(calls.map((c) => c.rows)).toEqual([[1]]);
    await settled();
    expect(written).toBe(false);
    calls[0].finish();
    await write;
    expect(written).toBe(true);
  });

  it('gathers the rows that arrive while an insert is in flight into the next one, in order', async () => {
    const { insert, calls } = manualInsert();
    const writer = new BatchedWriter(insert, jest.fn(), 200);
    const writes = [writer.write(1), writer.write(2), writer.write(3), writer.write(4)];
    expect(calls.map((c) => c.rows)).toEqual([[1]]);
    calls[0].finish();
    await settled();
    expect(calls.map((c) => c.rows)).toEqual([[1], [2, 3, 4]]);
    calls[1].finish();
    await Promise.all(writes);
    // Idle again: the next row goes at once, alone.
    const last = writer.write(5);
    expect(calls.map((c) => c.rows)).toEqual([[1], [2, 3, 4], [5]]);
    calls[2].finish();
    await last;
  });

  it('puts at most maxBatch rows in one insert, and the rest in the next', async () => {
    const { insert, calls } = manualInsert();
    const writer = new BatchedWriter(insert, jest.fn(), 2);
    const writes = [1, 2, 3, 4, 5, 6].map((row) => writer.write(row));
    for (let i = 0; i < 4; i++) {
      calls[i].finish();
      await settled();
    }
    await Promise.all(writes);
    expect(calls.map((c) => c.rows)).toEqual([[1], [2, 3], [4, 5], [6]]);
  });

  it('hands a failed insert to onError, resolves its writes, and keeps writing', async () => {
    const { insert, calls } = manualInsert();
    const onError = jest.fn();
    const writer = new BatchedWriter(insert, onError, 200);
    const failed = writer.write(1);
    const failure = new Error('database unavailable');
    calls[0].finish(failure);
    await expect(failed).resolves.toBeUndefined();
    expect(onError).toHaveBeenCalledWith(failure, [1]);
    const next = writer.write(2);
    expect(calls.map((c) => c.rows)).toEqual([[1], [2]]);
    calls[1].finish();
    await next;
  });
});
