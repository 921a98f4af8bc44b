import type { Model } from "mongoose";
import { isDuplicateKeyError } from "../db/connection.js";

/**
 * Inserts a document under the next short id (`M12`). The unique `seq` index settles races:
 * the loser of a concurrent insert gets 11000 and takes the next number. (No findOneAndUpdate
 * counter: SecantusDB runs it as find-then-update, so two clients could both "win".)
 * A duplicate on another unique field (an idempotency key) is not a race and is rethrown.
 */
export async function insertWithShortId<T extends { _id: string; seq: number }>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model with a string _id and seq
  model: Model<any>,
  prefix: string,
  fields: Omit<T, "_id" | "seq" | "createdAt" | "updatedAt"> & { createdAt?: Date },
): Promise<T> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const last = await model.findOne({}, { seq: 1 }).sort({ seq: -1 }).lean<{ seq: number }>();
    const seq = (last?.seq ?? 0) + 1;
    try {
      const doc = new model({ ...fields, _id: `${prefix}${seq}`, seq });
      await doc.save();
      return doc.toObject() as T;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const seqTaken = await model.exists({ seq });
      if (!seqTaken) throw error;
    }
  }
  throw new Error(`could not allocate a ${prefix} id`);
}
