import { DateTime } from "luxon";
import { isDuplicateKeyError, trusted } from "../db/connection.js";
import type { Branch } from "../db/models/branch.js";
import type { Models } from "../db/models/index.js";
import type { Member } from "../db/models/member.js";
import { OPEN_TRANSFER_STATES, type Transfer, type TransferState } from "../db/models/transfer.js";
import type { Clock } from "./clock.js";
import { duesPaidThrough } from "./duesLedger.js";
import { UserError } from "./errors.js";
import { formatDay } from "./roster.js";
import { insertWithShortId } from "./shortId.js";

/**
 * 组织关系转接: a member's Party relationship moving out of a branch (介绍信, 回执) or into it.
 * From the day of the letter the person counts in the old branch no more (whoCounts.ts
 * `transferredOutBy`, `owesDuesFor`); the branch stays responsible for them (they stay on its
 * roster, marked) until the 回执: recorded by its 书记 for an organisation outside this deployment,
 * or written on acceptance by the new branch (transferMove.ts). Each write is one atomic
 * updateOne; a command run twice is kept once by the transfer's unique `sourceKey`. Arrivals from
 * outside are in transferIn.ts, moves between two branches in transferMove.ts.
 */

export const STATE_ZH: Record<TransferState, string> = {
  open: "待回执",
  awaiting: "待接收",
  received: "已回执",
  declined: "对方未接收",
  cancelled: "已撤销",
  arrived: "已转入",
};

/** The last day a letter issued on `issuedAt` is valid: `days` days, the day of issue included. */
export function letterValidUntil(issuedAt: Date, days: number, timeZone: string): Date {
  return DateTime.fromJSDate(issuedAt, { zone: timeZone })
    .startOf("day")
    .plus({ days: days - 1 })
    .toJSDate();
}

/** A letter has expired once its last valid day is over (in the branch's zone). */
export function letterExpired(transfer: Pick<Transfer, "validUntil">, at: Date, timeZone: string): boolean {
  if (!transfer.validUntil) return false;
  const end = DateTime.fromJSDate(transfer.validUntil, { zone: timeZone }).startOf("day").plus({ days: 1 });
  return at.getTime() >= end.toMillis();
}

/** Today's local midnight: the default day of a letter or a 回执. */
export function today(clock: Clock, timeZone: string): Date {
  return DateTime.fromJSDate(clock.now(), { zone: timeZone }).startOf("day").toJSDate();
}

export function notInFuture(day: Date, clock: Clock, timeZone: string, what: string): void {
  if (day.getTime() > today(clock, timeZone).getTime()) throw new UserError(`${what}不能晚于今天。`);
}

/** Inserts a transfer under the next Z-number; a second delivery of the same command finds the first. */
export async function insertTransfer(
  models: Models,
  fields: Omit<
    Transfer,
    "_id" | "seq" | "createdAt" | "updatedAt" | "cancelledBy" | "cancelledAt" | "cancelReason"
  >,
): Promise<{ transfer: Transfer; created: boolean }> {
  try {
    const record = { ...fields, cancelledBy: null, cancelledAt: null, cancelReason: "" };
    return { transfer: await insertWithShortId<Transfer>(models.Transfer, "Z", record), created: true };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const winner = await models.Transfer.findOne({ sourceKey: fields.sourceKey }).lean<Transfer>();
    if (!winner) throw error;
    return { transfer: winner, created: false };
  }
}

export interface TransferOutInput {
  branchId: string;
  member: Member;
  /** 去向 as typed; `toBranch` when it names another branch of this deployment. */
  place: string;
  toBranch: Pick<Branch, "_id" | "name"> | null;
  letterNo: string;
  issuedAt: Date;
  /** 党费交至 as typed; else read from the dues ledger. */
  duesPaidTo: string | null;
  letterDays: number;
  timeZone: string;
  by: string;
  sourceKey: string;
}

/**
 * Records a transfer out: the letter (validity, 党费交至 from the dues ledger), and the mark on the
 * member that takes them out of the counts from the day of the letter. Refused for a member
 * already transferring, a future day, or the branch's last 书记.
 */
export async function transferOut(
  models: Models,
  clock: Clock,
  input: TransferOutInput,
): Promise<{ transfer: Transfer; created: boolean }> {
  const again = await models.Transfer.findOne({ sourceKey: input.sourceKey }).lean<Transfer>();
  const { member } = input;
  if (!again) {
    if (member.transferOut)
      throw new UserError(
        `${member.name || "此人"} 已在转出中（${member.transferOut.id}），请先处理该转接。`,
      );
    if (input.toBranch?._id === input.branchId) throw new UserError("不能转往本支部。");
    notInFuture(input.issuedAt, clock, input.timeZone, "介绍信开具日期");
    if (member.role === "secretary") {
      const others = await models.Member.countDocuments({
        branchId: input.branchId,
        role: "secretary",
        active: true,
      });
      if (others <= 1) throw new UserError("不能转出本支部唯一的书记：请先任命另一位书记并待其接受。");
    }
  }
  const { transfer, created } = again
    ? { transfer: again, created: false }
    : await insertTransfer(models, {
        branchId: input.branchId,
        direction: "out",
        openId: member.openId,
        name: member.name || member.openId,
        place: input.toBranch ? input.toBranch.name : input.place,
        toBranchId: input.toBranch?._id ?? null,
        letterNo: input.letterNo,
        issuedAt: input.issuedAt,
        validUntil: letterValidUntil(input.issuedAt, input.letterDays, input.timeZone),
        duesPaidTo: input.duesPaidTo ?? (await duesPaidThrough(models, input.branchId, member.openId)),
        state: input.toBranch ? "awaiting" : "open",
        receiptAt: null,
        decidedBy: null,
        decidedAt: null,
        by: input.by,
        sourceKey: input.sourceKey,
      });
  // A command delivered again after its transfer was withdrawn or declined marks no one.
  if (OPEN_TRANSFER_STATES.includes(transfer.state as TransferState))
    await models.Member.updateOne(
      { branchId: input.branchId, openId: member.openId, transferOut: null },
      { $set: { transferOut: { id: transfer._id, from: transfer.issuedAt, to: transfer.place } } },
    );
  return { transfer, created };
}

/**
 * Once the 回执 is in (or the new branch accepted), the member leaves the old roster: inactive
 * from the day of the letter, with their record and history kept.
 */
export async function leaveOldBranch(models: Models, transfer: Transfer): Promise<void> {
  await models.Member.updateOne(
    { branchId: transfer.branchId, openId: transfer.openId, "transferOut.id": transfer._id, active: true },
    { $set: { active: false, leftAt: transfer.issuedAt, pendingRole: null } },
  );
}

/**
 * A transfer that did not happen (declined by the other branch, or withdrawn): the member counts in
 * the old branch again; the transfer record keeps what happened.
 */
export async function backInOldBranch(models: Models, transfer: Transfer): Promise<void> {
  await models.Member.updateOne(
    { branchId: transfer.branchId, openId: transfer.openId, "transferOut.id": transfer._id },
    { $set: { transferOut: null } },
  );
}

/** The transfer named by `<编号|介绍信编号|姓名>` among the branch's outgoing ones. */
export async function findOutgoing(models: Models, branchId: string, word: string): Promise<Transfer> {
  const byId = /^z\d{1,9}$/i.test(word)
    ? await models.Transfer.findOne({ _id: word.toUpperCase(), branchId }).lean<Transfer>()
    : null;
  if (byId) return byId;
  const outgoing = (
    await models.Transfer.find({ branchId, direction: "out" }).sort({ seq: -1 }).lean<Transfer[]>()
  ).filter((t) => t.letterNo === word || t.name === word);
  const open = outgoing.filter((t) => OPEN_TRANSFER_STATES.includes(t.state as TransferState));
  const found = open.length > 0 ? open : outgoing;
  if (found.length === 0) throw new UserError(`本支部没有「${word}」的转出记录（编号形如 Z3）。`);
  if (found.length > 1)
    throw new UserError(`「${word}」有 ${found.length} 条转出记录，请写转接编号（如 ${found[0]!._id}）。`);
  return found[0]!;
}

/**
 * Records the 回执 of a transfer out of this deployment; the member then leaves the roster.
 * Recording it again changes nothing.
 */
export async function recordReceipt(
  models: Models,
  clock: Clock,
  input: { transfer: Transfer; receiptAt: Date; timeZone: string },
): Promise<{ transfer: Transfer; changed: boolean }> {
  const { transfer } = input;
  if (transfer.state === "awaiting")
    throw new UserError(`此转接待「${transfer.place}」接收，对方接收后自动回执。`);
  if (transfer.state === "declined") throw new UserError(`「${transfer.place}」未接收此转接，无需回执。`);
  if (transfer.direction !== "out") throw new UserError("转入记录没有回执。");
  notInFuture(input.receiptAt, clock, input.timeZone, "回执日期");
  if (input.receiptAt.getTime() < new Date(transfer.issuedAt).getTime())
    throw new UserError(`回执日期不能早于介绍信开具日期 ${formatDay(transfer.issuedAt, input.timeZone)}。`);
  const result = await models.Transfer.updateOne(
    { _id: transfer._id, state: "open" },
    { $set: { state: "received", receiptAt: input.receiptAt } },
  );
  const after = (await models.Transfer.findById(transfer._id).lean<Transfer>())!;
  if (after.state === "received") await leaveOldBranch(models, after);
  return { transfer: after, changed: result.modifiedCount === 1 };
}

/**
 * Withdraws a transfer out that is still waiting (for a 回执 or for the other branch): the member
 * counts in this branch again from the day of the letter, as if it had not been issued; the record
 * stays, marked 已撤销. One atomic write decides a race with the other branch's acceptance: the
 * first wins. Withdrawing it again changes nothing.
 */
export async function cancelTransfer(
  models: Models,
  clock: Clock,
  input: { transfer: Transfer; by: string; reason: string; timeZone: string },
): Promise<{ transfer: Transfer; changed: boolean }> {
  const { transfer } = input;
  if (transfer.direction !== "out") throw new UserError("只有转出记录可以撤销。");
  const result = await models.Transfer.updateOne(
    { _id: transfer._id, state: trusted({ $in: [...OPEN_TRANSFER_STATES] }) },
    {
      $set: {
        state: "cancelled",
        cancelledBy: input.by,
        cancelledAt: clock.now(),
        cancelReason: input.reason,
      },
    },
  );
  const after = (await models.Transfer.findById(transfer._id).lean<Transfer>())!;
  if (after.state === "received")
    throw new UserError(
      after.decidedBy
        ? `「${after.place}」已接收此转接，不能撤销。`
        : `此转接已于 ${formatDay(after.receiptAt, input.timeZone)} 登记回执，不能撤销。`,
    );
  if (after.state === "declined") throw new UserError(`「${after.place}」未接收此转接，无需撤销。`);
  if (after.state !== "cancelled") throw new UserError("此转接不能撤销。");
  await backInOldBranch(models, after);
  return { transfer: after, changed: result.modifiedCount === 1 };
}

/** What `/转接` lists: the branch's letters awaiting a 回执 or acceptance, and transfers to it awaiting its answer. */
export async function openTransfers(
  models: Models,
  branchId: string,
): Promise<{ outgoing: Transfer[]; incoming: Transfer[] }> {
  const [open, awaiting, incoming] = await Promise.all([
    models.Transfer.find({ branchId, state: "open" }).sort({ seq: 1 }).lean<Transfer[]>(),
    models.Transfer.find({ branchId, state: "awaiting" }).sort({ seq: 1 }).lean<Transfer[]>(),
    models.Transfer.find({ toBranchId: branchId, state: "awaiting" }).sort({ seq: 1 }).lean<Transfer[]>(),
  ]);
  return { outgoing: [...open, ...awaiting].sort((a, b) => a.seq - b.seq), incoming };
}

/** Every transfer still waiting (for a 回执 or an acceptance) whose letter has expired at `at`. */
export async function expiredWithoutReceipt(models: Models, at: Date, timeZone: string): Promise<Transfer[]> {
  const [open, awaiting] = await Promise.all([
    models.Transfer.find({ state: "open" }).lean<Transfer[]>(),
    models.Transfer.find({ state: "awaiting" }).lean<Transfer[]>(),
  ]);
  return [...open, ...awaiting].filter((t) => letterExpired(t, at, timeZone)).sort((a, b) => a.seq - b.seq);
}
