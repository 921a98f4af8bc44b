import { isDuplicateKeyError } from "../db/connection.js";
import type { Branch } from "../db/models/branch.js";
import type { Development } from "../db/models/development.js";
import type { Due } from "../db/models/dues.js";
import type { Models } from "../db/models/index.js";
import type { Member } from "../db/models/member.js";
import type { Transfer } from "../db/models/transfer.js";
import type { Clock } from "./clock.js";
import { monthOf } from "./duesRules.js";
import { UserError } from "./errors.js";
import { backInOldBranch, leaveOldBranch } from "./transfers.js";
import { statusOf } from "./whoCounts.js";

/**
 * A transfer between two branches of this deployment: the new branch's 书记 accepts (接收) or
 * declines. The first click decides (a compare-and-set on the transfer's state); the move itself
 * is a series of `$set` upserts computed from the old record and the decision, so running it again
 * (a double click, a retry after a crash between two writes) writes the same thing.
 */

export type Decision = "accepted" | "declined";

export interface DecisionResult {
  transfer: Transfer;
  /** What the transfer's state says now (the first decision, whoever made it). */
  outcome: Decision;
  /** This call made the decision. */
  changed: boolean;
}

/** Decides a transfer awaiting this branch; a decided one is returned as it was decided. */
export async function decideTransfer(
  models: Models,
  clock: Clock,
  input: { transferId: string; decision: Decision; by: string; timeZone: string },
): Promise<DecisionResult> {
  const transfer = await models.Transfer.findById(input.transferId).lean<Transfer>();
  if (!transfer?.toBranchId) throw new UserError("此转接不存在或不需要接收。");
  const now = clock.now();
  const result = await models.Transfer.updateOne(
    { _id: transfer._id, state: "awaiting" },
    {
      $set:
        input.decision === "accepted"
          ? { state: "received", receiptAt: now, decidedBy: input.by, decidedAt: now }
          : { state: "declined", decidedBy: input.by, decidedAt: now },
    },
  );
  const after = (await models.Transfer.findById(transfer._id).lean<Transfer>())!;
  if (after.state === "received") {
    await moveMember(models, after, input.timeZone);
    return { transfer: after, outcome: "accepted", changed: result.modifiedCount === 1 };
  }
  if (after.state === "declined") {
    await backInOldBranch(models, after);
    return { transfer: after, outcome: "declined", changed: result.modifiedCount === 1 };
  }
  if (after.state === "cancelled") throw new UserError("转出支部已撤销此转接，无需处理。");
  throw new UserError("此转接不在待接收状态。");
}

/**
 * The member record moves to the new branch: status with its history (and the 转入 entry),
 * dates and the rest of the record, the development record, months paid ahead ("党费交至");
 * then the old branch's entry becomes inactive (its 回执 is the acceptance).
 */
async function moveMember(models: Models, transfer: Transfer, timeZone: string): Promise<void> {
  const to = transfer.toBranchId!;
  const [old, from] = await Promise.all([
    models.Member.findOne({ branchId: transfer.branchId, openId: transfer.openId }).lean<Member>(),
    models.Branch.findById(transfer.branchId, { name: 1 }).lean<Pick<Branch, "name">>(),
  ]);
  if (!old) return;
  const decidedAt = new Date(transfer.decidedAt!);
  const reason = `转入（自「${from?.name ?? transfer.branchId}」${transfer.letterNo ? `，介绍信 ${transfer.letterNo}` : ""}）${transfer._id}`;
  const history = [
    ...(old.statusHistory ?? []),
    { status: statusOf(old), since: decidedAt, by: transfer.decidedBy!, at: decidedAt, reason },
  ];
  const update = {
    $set: {
      name: old.name,
      active: true,
      leftAt: null,
      status: statusOf(old),
      statusSince: old.statusSince ?? null,
      statusHistory: history,
      profile: old.profile ?? {},
      onFeishu: old.onFeishu !== false,
      exemptions: [],
      pendingRole: null,
      transferOut: null,
      transferIn: {
        id: transfer._id,
        from: from?.name ?? transfer.branchId,
        at: decidedAt,
        duesPaidTo: transfer.duesPaidTo ?? null,
      },
    },
    $setOnInsert: { role: "member", partyGroup: null },
  };
  await upsert(() => models.Member.updateOne({ branchId: to, openId: old.openId }, update, { upsert: true }));
  const record = await models.Development.findOne({
    branchId: transfer.branchId,
    openId: old.openId,
  }).lean<Development>();
  if (record) {
    await upsert(() =>
      models.Development.updateOne(
        { branchId: to, openId: old.openId },
        { $set: { steps: record.steps, rev: record.rev } },
        { upsert: true },
      ),
    );
  }
  // Months paid ahead, after the month of the letter, are paid in the new branch too: it must
  // not ask for them again.
  const letterMonth = monthOf(new Date(transfer.issuedAt), timeZone);
  const paidAhead = (
    await models.Due.find({ branchId: transfer.branchId, openId: old.openId }).lean<Due[]>()
  ).filter((due) => due.status === "paid" && due.month > letterMonth);
  for (const due of paidAhead) {
    await upsert(() =>
      models.Due.updateOne(
        { branchId: to, openId: old.openId, month: due.month },
        {
          $setOnInsert: {
            amountFen: due.amountFen,
            status: "paid",
            paidFen: due.paidFen,
            paidAt: due.paidAt,
            recordedBy: due.recordedBy,
          },
        },
        { upsert: true },
      ),
    );
  }
  await leaveOldBranch(models, transfer);
}

/** An upsert racing another (a double click): the loser's duplicate key is retried as an update. */
async function upsert(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    await write();
  }
}
