import mongoose, { type Connection } from "mongoose";

/**
 * One mongoose connection per app instance (not the global default), so tests and benchmarks
 * can run several apps against different databases in one process.
 */
export async function connectDb(uri: string, dbName?: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    dbName,
    // SecantusDB closes idle connections after 300 s; stay below it.
    maxIdleTimeMS: 60_000,
    serverSelectionTimeoutMS: 10_000,
    // Indexes are built once, by syncIndexes (buildBot, the scripts that write), all collections
    // at once: mongoose's automatic build would do the same work again, one model after another.
    autoIndex: false,
    autoCreate: false,
    // A value that came from outside (an id from an event, a card value) can never act as a
    // query operator: `{chat_id: {$ne: null}}` is compared as a literal. Operators our own code
    // writes are marked with `trusted()`.
    sanitizeFilter: true,
  });
  await connection.asPromise();
  return connection;
}

/**
 * Marks a query condition written by our own code (`{ $in: ids }`, `{ $lt: date }`) so the
 * connection's `sanitizeFilter` keeps it an operator. Never wrap a value taken from input.
 */
export function trusted<const T extends object>(condition: T): T {
  return mongoose.trusted(condition) as T;
}

export async function pingDb(connection: Connection): Promise<boolean> {
  try {
    if (connection.readyState !== 1 || !connection.db) return false;
    await connection.db.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}

/** Duplicate key: an idempotency key or claim that someone already took. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === 11000;
}
