import { z } from "zod";
import type { Branch } from "../db/models/branch.js";
import type { MemberStatus } from "../db/models/member.js";
import type { AppDeps } from "../deps.js";
import { editMemberCard, ROSTER_ACTIONS } from "../cards/roster.js";
import { editCardData, syncCardNow } from "../usecases/roster.js";
import { addUnconfirmed, findMember, linkOffline } from "../domain/branches.js";
import { UserError } from "../domain/errors.js";
import { changeStatus, parseDay, updateProfile, type ProfileUpdate } from "../domain/roster.js";
import { STATUS_ZH } from "../domain/whoCounts.js";
import { isAdmin } from "../domain/policy.js";
import { action } from "./types.js";

const GIVEN_STATUSES = ["full", "probationary", "target", "activist", "applicant", "non-party"] as const;
const REFUSAL = "抱歉，只有支部书记可以确认名册。";

const branchIdSchema = z.string().regex(/^B\d+$/, "卡片数据有误");

/**
 * The branch a roster card is about (it names it: the card is sent in a private chat), provided
 * the operator is an active secretary there (or an admin).
 */
async function secretaryBranchOf(deps: AppDeps, branchId: string, operator: string, refusal: string) {
  const [branch, member] = await Promise.all([
    deps.models.Branch.findById(branchId).lean<Branch>(),
    findMember(deps.models, branchId, operator),
  ]);
  if (!branch) throw new UserError("该支部已不存在。");
  const secretary = member?.active === true && member.role === "secretary";
  if (!secretary && !isAdmin(deps.config.ZHIBU_ADMINS, operator)) throw new UserError(refusal);
  return branch;
}

const pairSchema = z
  .tuple([z.string().min(1).max(100), z.string().regex(/^offline_[0-9a-f]{1,40}$/, "卡片数据有误")])
  .transform(([openId, offlineKey]) => ({ openId, offlineKey }));
const pairsSchema = z.array(pairSchema).max(50).default([]);

/** The name match a button is about, with the offline entry's name (the chat member's too); null if gone. */
async function matchOf(deps: AppDeps, branchId: string, pair: { openId: string; offlineKey: string }) {
  const offline = await findMember(deps.models, branchId, pair.offlineKey);
  return offline ? { ...pair, name: offline.name } : null;
}

const confirm = action({
  name: ROSTER_ACTIONS.confirm,
  input: z
    .object({
      branchId: branchIdSchema,
      openIds: z.array(z.string().min(1).max(100)).max(50),
      pairs: pairsSchema,
    })
    .catchall(z.unknown()),
  async run({ deps, action: click }, input) {
    const branch = await secretaryBranchOf(deps, input.branchId, click.operatorOpenId, REFUSAL);
    const done: string[] = [];
    for (const [index, openId] of input.openIds.entries()) {
      const picked = z.enum(GIVEN_STATUSES).safeParse(input[`s${index}`]);
      if (!picked.success) continue;
      const member = await findMember(deps.models, branch._id, openId);
      // Only people still 待确认: a stale card never overrides a status given since.
      if (!member?.active || member.status !== "unconfirmed") continue;
      const { changed } = await changeStatus(deps.models, deps.clock, {
        branchId: branch._id,
        openId,
        status: picked.data,
        by: click.operatorOpenId,
        reason: "同步后确认",
      });
      if (changed) done.push(member.name || openId);
    }
    // The card may be in the group: it names who was confirmed, never the statuses given.
    const summary =
      done.length > 0 ? `已确认 ${done.length} 人的身份：${done.join("、")}。` : "没有选择身份，未作更改。";
    return {
      toast: { type: done.length > 0 ? "success" : "info", content: summary.slice(0, 60) },
      card: {
        type: "raw",
        data: (await syncCardNow(deps, branch, input.pairs, summary, { always: true }))!,
      },
    };
  },
});

const link = action({
  name: ROSTER_ACTIONS.link,
  input: z.object({ branchId: branchIdSchema, pair: pairSchema, pairs: pairsSchema }),
  async run({ deps, action: click }, input) {
    const branch = await secretaryBranchOf(deps, input.branchId, click.operatorOpenId, REFUSAL);
    const match = await matchOf(deps, branch._id, input.pair);
    const linked = match ? await linkOffline(deps.models, branch._id, match) : false;
    const summary = linked
      ? `已将群成员 ${match!.name} 与名册中的同名记录关联，沿用其身份和记录。`
      : "此项已处理过，未作更改。";
    return {
      toast: { type: linked ? "success" : "info", content: linked ? "已关联" : "已处理过" },
      card: {
        type: "raw",
        data: (await syncCardNow(deps, branch, input.pairs, summary, { always: true }))!,
      },
    };
  },
});

const unlink = action({
  name: ROSTER_ACTIONS.unlink,
  input: z.object({ branchId: branchIdSchema, pair: pairSchema, pairs: pairsSchema }),
  async run({ deps, action: click }, input) {
    const branch = await secretaryBranchOf(deps, input.branchId, click.operatorOpenId, REFUSAL);
    const match = await matchOf(deps, branch._id, input.pair);
    const existing = await findMember(deps.models, branch._id, input.pair.openId);
    if (match && !existing) await addUnconfirmed(deps.models, branch._id, match);
    const summary = match ? `${match.name} 不是名册中的同名者，已列为待确认。` : "此项已处理过，未作更改。";
    return {
      toast: { type: "success", content: "已列为待确认" },
      card: {
        type: "raw",
        data: (await syncCardNow(deps, branch, input.pairs, summary, { always: true }))!,
      },
    };
  },
});

const text = z
  .string()
  .optional()
  .transform((v) => v ?? "");

const edit = action({
  name: ROSTER_ACTIONS.edit,
  input: z.object({
    branchId: branchIdSchema,
    openId: z.string().min(1).max(100),
    status: z.enum(GIVEN_STATUSES, { error: "请选择身份" }),
    statusSince: text,
    gender: text,
    ethnicity: text,
    birthMonth: text,
    education: text,
    joinedAt: text,
    fullAt: text,
    partyPost: text,
    phone: text,
  }),
  async run({ deps, action: click }, input) {
    const branch = await secretaryBranchOf(
      deps,
      input.branchId,
      click.operatorOpenId,
      "抱歉，只有支部书记可以编辑名册。",
    );
    const member = await findMember(deps.models, branch._id, input.openId);
    if (!member?.active) throw new UserError("此人不是本支部的在册党员。");
    const timeZone = deps.config.TZ;
    const since = input.statusSince.trim() ? parseDay(input.statusSince, timeZone) : null;
    if (input.statusSince.trim() && !since) throw new UserError("身份起始日期格式须为 YYYY-MM-DD");
    const { statusSince: _since, status, openId, branchId: _branch, ...fields } = input;
    // Validate every field before writing anything.
    const updated = await updateProfile(deps.models, {
      branchId: branch._id,
      openId,
      fields: fields as ProfileUpdate,
      timeZone,
    });
    const { changed } = await changeStatus(deps.models, deps.clock, {
      branchId: branch._id,
      openId,
      status: status as MemberStatus,
      since,
      by: click.operatorOpenId,
      reason: "名册编辑",
    });
    return {
      toast: { type: "success", content: changed ? `已保存，身份：${STATUS_ZH[status]}` : "已保存" },
      card: {
        type: "raw",
        data: editMemberCard(editCardData(branch._id, updated, timeZone, changed ? status : undefined)),
      },
    };
  },
});

export const rosterActions = [confirm, link, unlink, edit];
