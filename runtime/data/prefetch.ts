// Ordered prefetching: items are started up to `ahead` positions before the consumer asks for
// them, so decoding overlaps training, and are yielded strictly in order.

/** Batches that are prepared ahead of the one being consumed. */
export const PREFETCH_BATCHES = 2;

/**
 * Yields `make(first)`, `make(first + 1)`, ... `make(end - 1)` in that order. While the consumer
 * holds item i, items i + 1 .. i + ahead are being made; nothing further is started until it asks
 * for the next one. A rejected item is thrown when its turn comes; when the consumer stops early,
 * items already started finish but nothing new is started.
 */
export async function* prefetched<T>(
  first: number,
  end: number,
  make: (i: number) => Promise<T>,
  ahead: number = PREFETCH_BATCHES,
): AsyncGenerator<T> {
  const queue: Promise<T>[] = [];
  let next = first;
  while (true) {
    while (queue.length < ahead + 1 && next < end) {
      const p = make(next++);
      p.catch(() => {}); // handled when its turn comes; avoids an unhandled rejection meanwhile
      queue.push(p);
    }
    const p = queue.shift();
    if (p === undefined) return;
    yield await p;
  }
}
