import { z } from "zod";
import { ROSTER_IMPORT_ACTIONS, rosterImportCard } from "../cards/rosterImport.js";
import type { RosterImportDoc } from "../db/models/rosterImport.js";
import { findMember } from "../domain/branches.js";
import { UserError } from "../domain/errors.js";
import { allowed, isAdmin } from "../domain/policy.js";
import {
  cancelImport,
  confirmImport,
  planCounts,
  type ConfirmOutcome,
  type PlanOp,
} from "../domain/rosterImport.js";
import { enqueueMessage } from "../delivery/outbox.js";
import type { CardAnswer } from "../lark/types.js";
import { action, type ActionContext } from "./types.js";

const input = z.object({ importId: z.string().regex(/^imp_[A-Za-z0-9_-]{1,130}$/, "卡片数据有误") });

/** Only a secretary of the import's branch decides it. */
async function checkSecretary({ deps, action: click }: ActionContext, importId: string) {
  const doc = await deps.models.RosterImport.findById(importId, { branchId: 1 }).lean<RosterImportDoc>();
  if (!doc) throw new UserError("该导入已不存在，请重新发送文件。");
  const member = await findMember(deps.models, doc.branchId, click.operatorOpenId);
  const admin = isAdmin(deps.config.ZHIBU_ADMINS, click.operatorOpenId);
  if (!allowed("secretary", { member, isAdmin: admin })) throw new UserError("只有支部书记可以导入名册。");
}

function answer(
  outcome: ConfirmOutcome,
  toast: CardAnswer["toast"],
  state?: RosterImportDoc["state"] | "applying",
): CardAnswer {
  if (outcome.kind === "missing") throw new UserError("该导入已不存在，请重新发送文件。");
  const doc = outcome.doc;
  return {
    toast,
    card: {
      type: "raw",
      data: rosterImportCard({
        importId: doc._id,
        fileName: doc.fileName,
        state: state ?? doc.state,
        ops: doc.ops as PlanOp[],
        errors: doc.errors,
        missing: doc.missing,
        unchanged: doc.unchanged,
      }),
    },
  };
}

/**
 * How long the click waits for the apply before answering (Lark wants an answer within 3 s). A
 * large roster (thousands of writes) goes on after the answer; the secretary is told when it is done.
 * Mutable for tests.
 */
export const rosterImportTiming = { inlineMs: 2_000 };

/** Applies still running after their click was answered. */
const running = new Set<Promise<unknown>>();
/** Resolves when every apply that outlived its click is done (tests, shutdown). */
export async function rosterImportsIdle(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}

/** 确认导入: everything or nothing (refused while any row has an error); a second click resumes. */
const confirm = action({
  name: ROSTER_IMPORT_ACTIONS.confirm,
  input,
  async run(ctx, { importId }) {
    await checkSecretary(ctx, importId);
    const { deps } = ctx;
    const by = ctx.action.operatorOpenId;
    let answered = false;
    const work = confirmImport(deps.models, importId, { by, now: deps.clock.now() }).then(async (outcome) => {
      if (answered && outcome.kind === "applied") {
        const counts = planCounts({ ...outcome.doc, ops: outcome.doc.ops as PlanOp[] });
        await enqueueMessage(deps.models, deps.clock, {
          key: `roster-import:${importId}:applied`,
          branchId: outcome.doc.branchId,
          target: { openId: by },
          content: { text: `名册已导入：新增 ${counts.added} 人，变更 ${counts.changed} 人。` },
          description: "名册导入完成通知",
        });
        deps.delivery.wake();
      }
      return outcome;
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), rosterImportTiming.inlineMs);
    });
    const outcome = await Promise.race([work, late]).finally(() => clearTimeout(timer));
    if (!outcome) {
      answered = true;
      const rest = work.catch((error: unknown) =>
        deps.logger.error({ err: error, importId }, "roster import failed"),
      );
      running.add(rest);
      void rest.finally(() => running.delete(rest));
      const doc = await deps.models.RosterImport.findById(importId).lean<RosterImportDoc>();
      return answer(
        { kind: "applied", doc: doc! },
        { type: "info", content: "正在导入，完成后私信通知" },
        "applying",
      );
    }
    switch (outcome.kind) {
      case "applied":
        return answer(outcome, { type: "success", content: "名册已导入" }, "applied");
      case "already":
        return answer(outcome, { type: "info", content: "该名册已导入过" });
      case "cancelled":
        return answer(outcome, { type: "info", content: "该导入已取消，请重新发送文件" });
      case "has-errors":
        throw new UserError("文件中有误的行须全部改正后才能导入：请修改后重新发送文件。");
      default:
        return answer(outcome, undefined);
    }
  },
});

/** 取消: discards the pending import; nothing was written. */
const cancel = action({
  name: ROSTER_IMPORT_ACTIONS.cancel,
  input,
  async run(ctx, { importId }) {
    await checkSecretary(ctx, importId);
    const outcome = await cancelImport(ctx.deps.models, importId, {
      by: ctx.action.operatorOpenId,
      now: ctx.deps.clock.now(),
    });
    return outcome.kind === "already"
      ? answer(outcome, { type: "info", content: "该名册已导入，无法取消" })
      : answer(outcome, { type: "info", content: "已取消导入，名册未作改动" }, "cancelled");
  },
});

export const rosterImportActions = [confirm, cancel];
