import { z } from "zod";
import { transferCard, TRANSFER_ACTIONS } from "../cards/transfer.js";
import type { Member } from "../db/models/member.js";
import type { Transfer } from "../db/models/transfer.js";
import { UserError } from "../domain/errors.js";
import { isAdmin } from "../domain/policy.js";
import { decideTransfer } from "../domain/transferMove.js";
import type { CardAnswer } from "../lark/types.js";
import { nameOf } from "../usecases/organisation.js";
import { tellDecision, transferCardData } from "../usecases/transfers.js";
import { action } from "./types.js";

const REFUSAL = "只有接收支部的书记可以接收或拒绝此转接。";

/**
 * 接收 / 不接收 on a transfer from another branch: only a 书记 of the receiving branch (or an
 * admin). The first click decides; a second one (or a click on another secretary's copy) only
 * shows the decision.
 */
const decide = action({
  name: TRANSFER_ACTIONS.decide,
  input: z.object({
    decision: z.enum(["accept", "decline"]),
    transferId: z.string().regex(/^Z\d{1,9}$/),
  }),
  async run({ deps, action: click }, input): Promise<CardAnswer> {
    const transfer = await deps.models.Transfer.findById(input.transferId).lean<Transfer>();
    if (!transfer?.toBranchId) throw new UserError("此转接不存在。");
    const decider = await deps.models.Member.findOne({
      branchId: transfer.toBranchId,
      openId: click.operatorOpenId,
    }).lean<Member>();
    const secretary = decider?.active === true && decider.role === "secretary";
    if (!secretary && !isAdmin(deps.config.ZHIBU_ADMINS, click.operatorOpenId)) throw new UserError(REFUSAL);
    if (transfer.state === "cancelled")
      return {
        toast: { type: "info", content: "转出支部已撤销此转接，无需处理。" },
        card: {
          type: "raw",
          data: transferCard({ ...(await transferCardData(deps, transfer)), cancelled: true }),
        },
      };
    const result = await decideTransfer(deps.models, deps.clock, {
      transferId: transfer._id,
      decision: input.decision === "accept" ? "accepted" : "declined",
      by: click.operatorOpenId,
      timeZone: deps.config.TZ,
    });
    const byName = await nameOf(
      deps,
      result.transfer.decidedBy ?? click.operatorOpenId,
      transfer.toBranchId,
      "书记",
    );
    // Told every time the decision stands: the outbox key sends it once, also after a crash.
    await tellDecision(deps, result.transfer, result.outcome, byName);
    const data = await transferCardData(deps, result.transfer);
    const decided = { decision: result.outcome === "accepted" ? "accept" : "decline", byName } as const;
    const done = result.outcome === "accepted" ? `已接收 ${transfer.name}` : `已拒绝接收 ${transfer.name}`;
    return {
      toast: result.changed
        ? { type: "success", content: done }
        : { type: "info", content: "此转接已处理。" },
      card: { type: "raw", data: transferCard({ ...data, decided }) },
    };
  },
});

export const transferActions = [decide];
