/**
 * Concurrent identical reads share one query: while a read of `key` is in flight, later
 * callers get the same promise. Nothing is cached after it settles, so no one sees stale data
 * older than a read already under way. A burst of 200 answers to one meeting card then costs a
 * handful of meeting and roster reads instead of 200 of each.
 */
const flights = new WeakMap<object, Map<string, Promise<unknown>>>();

export function sharedRead<T>(owner: object, key: string, load: () => Promise<T>): Promise<T> {
  let inFlight = flights.get(owner);
  if (!inFlight) flights.set(owner, (inFlight = new Map()));
  const running = inFlight.get(key);
  if (running) return running as Promise<T>;
  const started = load().finally(() => inFlight.delete(key));
  inFlight.set(key, started);
  return started;
}
