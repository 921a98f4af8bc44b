import type { Connection, Schema } from "mongoose";

/**
 * Reads a burst shares (a meeting and its branch's roster, read by each of 200 answers to one
 * card). While a read of a key is in flight later callers get the same promise, and its result
 * serves further callers for READ_CACHE_MS after it settles. Every write through a model whose
 * schema uses `invalidatesReadCache` (save, insertMany, bulkWrite, update*, replace*, delete*)
 * drops its collection's entries on that connection when it starts and again when it ends, and a
 * read that overlapped a write is never kept: this process never serves its own write stale. A
 * write by another instance is seen within READ_CACHE_MS, as if its request had come that much later.
 */
export const READ_CACHE_MS = 2_000;

/** The model a read comes from: its collection name and connection key the cache. */
export interface CachedModel {
  db: Connection;
  collection: { collectionName: string };
}

interface Entry {
  value: Promise<unknown>;
  generation: number;
  /** When the read settled (performance.now()); undefined while in flight. */
  settledAt?: number;
}

interface CollectionCache {
  /** Bumped by every write's start and end: an entry of an older generation is never served. */
  generation: number;
  /** Writes under way: nothing read meanwhile is kept. */
  writing: number;
  entries: Map<string, Entry>;
}

const caches = new WeakMap<Connection, Map<string, CollectionCache>>();
/** Past this many keys in a collection's cache, expired entries are dropped before adding one. */
const MAX_ENTRIES = 500;

function dropExpired(cache: CollectionCache, now: number): void {
  for (const [key, entry] of cache.entries) {
    if (entry.settledAt !== undefined && now - entry.settledAt >= READ_CACHE_MS) cache.entries.delete(key);
  }
}

function cacheOf(db: Connection, collectionName: string): CollectionCache {
  let byCollection = caches.get(db);
  if (!byCollection) caches.set(db, (byCollection = new Map()));
  let cache = byCollection.get(collectionName);
  if (!cache) byCollection.set(collectionName, (cache = { generation: 0, writing: 0, entries: new Map() }));
  return cache;
}

export function cachedRead<T>(model: CachedModel, key: string, load: () => PromiseLike<T>): Promise<T> {
  const cache = cacheOf(model.db, model.collection.collectionName);
  const now = performance.now();
  const entry = cache.entries.get(key);
  if (
    entry &&
    entry.generation === cache.generation &&
    (entry.settledAt === undefined || now - entry.settledAt < READ_CACHE_MS)
  ) {
    return entry.value as Promise<T>;
  }
  if (cache.entries.size >= MAX_ENTRIES) dropExpired(cache, now);
  const generation = cache.generation;
  const fresh: Entry = { value: Promise.resolve(load()), generation };
  cache.entries.set(key, fresh);
  fresh.value.then(
    () => {
      if (cache.entries.get(key) !== fresh) return;
      // Overlapped a write (or one is still under way): it may predate it, so it is not kept.
      if (cache.generation !== generation || cache.writing > 0) cache.entries.delete(key);
      else fresh.settledAt = performance.now();
    },
    () => {
      if (cache.entries.get(key) === fresh) cache.entries.delete(key);
    },
  );
  return fresh.value as Promise<T>;
}

function writeStarted(model: CachedModel | undefined): void {
  if (!model?.db) return;
  const cache = cacheOf(model.db, model.collection.collectionName);
  cache.generation++;
  cache.writing++;
  cache.entries.clear();
}

function writeEnded(model: CachedModel | undefined): void {
  if (!model?.db) return;
  const cache = cacheOf(model.db, model.collection.collectionName);
  cache.generation++;
  cache.writing = Math.max(0, cache.writing - 1);
  cache.entries.clear();
}

const QUERY_WRITES = [
  "updateOne",
  "updateMany",
  "findOneAndUpdate",
  "replaceOne",
  "findOneAndReplace",
  "deleteOne",
  "deleteMany",
  "findOneAndDelete",
] as const;
const MODEL_WRITES = ["insertMany", "bulkWrite"] as const;

/** The part of a schema's hook API used here (mongoose's overloads do not take a list of mixed kinds). */
type Hook = (this: unknown, ...args: unknown[]) => void;
interface HookSchema {
  pre(ops: readonly string[], fn: Hook): unknown;
  post(ops: readonly string[], fn: Hook): unknown;
}

/** The model a hook's `this` belongs to: a query's model, a model, or a document's model. */
function modelOf(self: unknown): CachedModel | undefined {
  const it = self as {
    modelName?: string;
    model?: CachedModel;
    $model?: () => CachedModel;
  } | null;
  if (!it) return undefined;
  if (typeof it.modelName === "string") return it as unknown as CachedModel; // a model
  if (typeof it.$model === "function") return it.$model(); // a document
  return it.model; // a query
}

/**
 * Schema plugin: every write to the collection through mongoose drops its cached reads. Writes
 * through the bare driver (`Model.collection.*`) bypass it: the code never writes those
 * collections that way.
 */
export function invalidatesReadCache(schema: Schema): void {
  const hooks = schema as unknown as HookSchema;
  for (const ops of [QUERY_WRITES, MODEL_WRITES, ["save"]] as const) {
    hooks.pre(ops, function () {
      writeStarted(modelOf(this));
    });
    hooks.post(ops, function () {
      writeEnded(modelOf(this));
    });
    // Three parameters make it the error handler, run instead of the one above when the write fails.
    hooks.post(ops, function (error: unknown, _result: unknown, next: unknown) {
      writeEnded(modelOf(this));
      (next as (e: unknown) => void)(error);
    } as Hook);
  }
}
