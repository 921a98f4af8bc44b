import { randomBytes, randomUUID } from "node:crypto";
import { DateTime } from "luxon";
import { z } from "zod";
import type { Models } from "../db/models/index.js";
import {
  OFFLINE_KEY_PREFIX,
  type Exemption,
  type Member,
  type MemberProfile,
  type MemberStatus,
} from "../db/models/member.js";
import { isDuplicateKeyError, trusted } from "../db/connection.js";
import type { Clock } from "./clock.js";
import { UserError } from "./errors.js";
import { holdingExemption, statusOf } from "./whoCounts.js";

/**
 * The 党员名册: a member's Party status (with its history kept), the 台账 fields of their record,
 * people on no chat, and 免于要求 / 外出 periods. Every write is one atomic updateOne.
 */

/** Status words a secretary may type (Chinese and English). */
export const STATUS_WORDS: Record<string, MemberStatus> = {
  正式党员: "full",
  正式: "full",
  full: "full",
  预备党员: "probationary",
  预备: "probationary",
  probationary: "probationary",
  发展对象: "target",
  target: "target",
  入党积极分子: "activist",
  积极分子: "activist",
  activist: "activist",
  入党申请人: "applicant",
  申请人: "applicant",
  applicant: "applicant",
  群众: "non-party",
  其他: "non-party",
  "non-party": "non-party",
};

export function parseStatus(word: string): MemberStatus | null {
  return STATUS_WORDS[word.trim().toLowerCase()] ?? null;
}

const sameTime = (a: Date | null | undefined, b: Date | null | undefined) =>
  (a ? new Date(a).getTime() : null) === (b ? new Date(b).getTime() : null);

/** The stored status field as a filter: a document without one is 正式 (see statusOf). */
function statusFilter(member: Pick<Member, "status">) {
  return member.status ? { status: member.status } : { status: trusted({ $exists: false }) };
}

export interface StatusChangeInput {
  branchId: string;
  openId: string;
  status: MemberStatus;
  /** The day the status began (入党日期 for 预备, 转正日期 for 正式); today if not given. */
  since?: Date | null;
  by: string;
  reason?: string;
}

/**
 * Gives a member a status: sets status/statusSince and appends to statusHistory in one
 * compare-and-set updateOne (the history is never rewritten). 预备 fills 入党日期 (profile.joinedAt)
 * if empty; 正式 records 转正日期 (profile.fullAt). The same change twice adds no second entry.
 */
export async function changeStatus(
  models: Models,
  clock: Clock,
  input: StatusChangeInput,
): Promise<{ member: Member; changed: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const member = await models.Member.findOne({
      branchId: input.branchId,
      openId: input.openId,
    }).lean<Member>();
    if (!member) throw new UserError("此人不在本支部名册中。");
    if (statusOf(member) === input.status && (!input.since || sameTime(member.statusSince, input.since))) {
      return { member, changed: false };
    }
    const now = clock.now();
    const since = input.since ?? now;
    const set: Record<string, unknown> = { status: input.status, statusSince: since };
    if (input.status === "probationary" && !member.profile?.joinedAt) set["profile.joinedAt"] = since;
    if (input.status === "full" && (input.since || !member.profile?.fullAt)) set["profile.fullAt"] = since;
    const entry = { status: input.status, since, by: input.by, at: now, reason: input.reason ?? "" };
    const result = await models.Member.updateOne(
      {
        branchId: input.branchId,
        openId: input.openId,
        ...statusFilter(member),
        statusSince: member.statusSince ?? null,
      },
      { $set: set, $push: { statusHistory: entry } },
    );
    if (result.modifiedCount === 1) {
      const after = await models.Member.findOne({
        branchId: input.branchId,
        openId: input.openId,
      }).lean<Member>();
      return { member: after!, changed: true };
    }
  }
  throw new UserError("此人的身份正在被修改，请稍后再试。");
}

/** A short key for a person on no chat: never an open id, so never sent to. */
export function newOfflineKey(): string {
  return `${OFFLINE_KEY_PREFIX}${randomBytes(5).toString("hex")}`;
}

/** Active members of the branch with this name (offline members are addressed by name). */
export async function findMembersByName(models: Models, branchId: string, name: string): Promise<Member[]> {
  return models.Member.find({ branchId, active: true, name: name.trim() }).lean<Member[]>();
}

/** The one active member with this name, or a UserError saying why not. */
export async function memberByName(models: Models, branchId: string, name: string): Promise<Member> {
  const found = await findMembersByName(models, branchId, name);
  if (found.length === 0) throw new UserError(`名册中没有「${name}」。`);
  if (found.length > 1) throw new UserError(`名册中有 ${found.length} 位「${name}」，请 @ 本人。`);
  return found[0]!;
}

export const memberNameSchema = z
  .string()
  .trim()
  .min(1, "请写姓名")
  .max(30, "姓名须在 30 字以内")
  .refine((name) => !/[@\s]/.test(name), "姓名不能含空格或 @");

/**
 * Adds a person on no chat (a retiree without Feishu) to the roster: openId `offline_…`,
 * onFeishu false. Names must be unique among active members, since such people are addressed
 * by name.
 */
export async function addOfflineMember(
  models: Models,
  clock: Clock,
  input: { branchId: string; name: string; status?: MemberStatus; partyGroup?: string | null; by: string },
): Promise<Member> {
  const name = memberNameSchema.parse(input.name);
  const status = input.status ?? "full";
  if ((await findMembersByName(models, input.branchId, name)).length > 0) {
    throw new UserError(`名册中已有「${name}」，同名者请在姓名后加区分（如「${name}2」）。`);
  }
  const now = clock.now();
  for (let attempt = 0; attempt < 5; attempt++) {
    const openId = newOfflineKey();
    try {
      await models.Member.create({
        branchId: input.branchId,
        openId,
        name,
        role: "member",
        partyGroup: input.partyGroup ?? null,
        active: true,
        status,
        statusSince: now,
        statusHistory: [{ status, since: now, by: input.by, at: now, reason: "添加（无飞书账号）" }],
        onFeishu: false,
      });
      return (await models.Member.findOne({ branchId: input.branchId, openId }).lean<Member>())!;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  throw new Error("could not allocate an offline key");
}

export type ExemptionKind = "exempt" | "away";
export const EXEMPTION_ZH: Record<ExemptionKind, string> = { exempt: "免于要求", away: "外出" };

/** Writes the exemptions array back only if nobody changed the member meanwhile. */
async function writeExemptions(
  models: Models,
  member: Member & { updatedAt?: Date },
  exemptions: Exemption[],
): Promise<boolean> {
  const result = await models.Member.updateOne(
    { branchId: member.branchId, openId: member.openId, updatedAt: member.updatedAt ?? null },
    { $set: { exemptions } },
  );
  return result.modifiedCount === 1;
}

async function loadMember(
  models: Models,
  branchId: string,
  openId: string,
): Promise<Member & { updatedAt?: Date }> {
  const member = await models.Member.findOne({ branchId, openId }).lean<Member & { updatedAt?: Date }>();
  if (!member?.active) throw new UserError("此人不是本支部的在册党员。");
  return member;
}

/**
 * Starts (or, if one of the same kind holds, updates) a 免于要求 / 外出 period. `from` defaults to
 * now, `until` null means until lifted.
 */
export async function setExemption(
  models: Models,
  clock: Clock,
  input: {
    branchId: string;
    openId: string;
    kind: ExemptionKind;
    from?: Date | null;
    until?: Date | null;
    where?: string;
    reason?: string;
    by: string;
  },
): Promise<{ member: Member; exemption: Exemption; created: boolean }> {
  const now = clock.now();
  const from = input.from ?? now;
  if (input.until && input.until.getTime() <= from.getTime()) throw new UserError("结束日期须晚于开始日期。");
  for (let attempt = 0; attempt < 5; attempt++) {
    const member = await loadMember(models, input.branchId, input.openId);
    const list: Exemption[] = [...((member.exemptions ?? []) as Exemption[])];
    const index = list.findIndex(
      (p) => p.kind === input.kind && (!p.until || p.until.getTime() > now.getTime()),
    );
    const existing = index >= 0 ? list[index]! : null;
    const exemption: Exemption = {
      id: existing?.id ?? randomUUID(),
      kind: input.kind,
      from: existing ? existing.from : from,
      until: input.until ?? null,
      where: input.where ?? existing?.where ?? "",
      reason: input.reason ?? existing?.reason ?? "",
      by: input.by,
      at: now,
      lastContactAt: existing?.lastContactAt ?? (input.kind === "away" ? now : null),
    };
    if (existing) list[index] = exemption;
    else list.push(exemption);
    if (await writeExemptions(models, member, list)) {
      return { member: { ...member, exemptions: list } as Member, exemption, created: !existing };
    }
  }
  throw new UserError("此人的记录正在被修改，请稍后再试。");
}

/** Ends the holding period(s) of this kind now; `ended: false` if none held. */
export async function endExemption(
  models: Models,
  clock: Clock,
  input: { branchId: string; openId: string; kind: ExemptionKind },
): Promise<{ member: Member; ended: boolean }> {
  const now = clock.now();
  for (let attempt = 0; attempt < 5; attempt++) {
    const member = await loadMember(models, input.branchId, input.openId);
    let ended = false;
    const list: Exemption[] = ((member.exemptions ?? []) as Exemption[]).map((p) => {
      if (p.kind !== input.kind || (p.until && p.until.getTime() <= now.getTime())) return p;
      ended = true;
      return { ...p, until: p.from.getTime() > now.getTime() ? p.from : now };
    });
    if (!ended) return { member, ended: false };
    if (await writeExemptions(models, member, list))
      return { member: { ...member, exemptions: list } as Member, ended };
  }
  throw new UserError("此人的记录正在被修改，请稍后再试。");
}

/** The period holding now, for display. */
export function currentExemption(member: Pick<Member, "exemptions">, at: Date): Exemption | null {
  return holdingExemption(member, at);
}

/** Calendar days (入党日期 …) are stored as local midnight in the branch's time zone. */
export const DEFAULT_TIME_ZONE = "Asia/Shanghai";

/** "2026-07-01" → local midnight in `timeZone`; null when malformed or not a real day. */
export function parseDay(text: string, timeZone: string = DEFAULT_TIME_ZONE): Date | null {
  const parsed = DateTime.fromFormat(text.trim(), "yyyy-M-d", { zone: timeZone });
  return parsed.isValid ? parsed.toJSDate() : null;
}

/** A stored day as "2026-07-01" in `timeZone` ("" for none). */
export function formatDay(date: Date | null | undefined, timeZone: string = DEFAULT_TIME_ZONE): string {
  return date ? DateTime.fromJSDate(new Date(date), { zone: timeZone }).toFormat("yyyy-MM-dd") : "";
}

const dateField = (timeZone: string) =>
  z
    .union([z.date(), z.string().trim()])
    .transform((value, ctx) => {
      if (value instanceof Date) return value;
      if (value === "") return null;
      const date = parseDay(value, timeZone);
      if (!date) {
        ctx.addIssue({ code: "custom", message: "日期格式须为 YYYY-MM-DD" });
        return z.NEVER;
      }
      return date;
    })
    .nullable();

/** The editable 名册 fields; empty strings clear a field. */
export const profileUpdateSchema = (timeZone: string = DEFAULT_TIME_ZONE) =>
  z
    .object({
      gender: z.enum(["", "男", "女"], { message: "性别须为 男 或 女" }),
      ethnicity: z.string().trim().max(20, "民族须在 20 字以内"),
      birthMonth: z
        .string()
        .trim()
        .regex(/^(\d{4}-(0[1-9]|1[0-2]))?$/, "出生年月格式须为 YYYY-MM"),
      education: z.string().trim().max(20, "学历须在 20 字以内"),
      joinedAt: dateField(timeZone),
      fullAt: dateField(timeZone),
      partyPost: z.string().trim().max(30, "党内职务须在 30 字以内"),
      phone: z
        .string()
        .trim()
        .regex(/^(\+?[\d-]{5,20})?$/, "联系方式须为电话号码"),
    })
    .partial()
    .strict();
export type ProfileUpdate = z.input<ReturnType<typeof profileUpdateSchema>>;

/** Updates fields of a member's record (validated); returns the member as stored afterwards. */
export async function updateProfile(
  models: Models,
  input: { branchId: string; openId: string; fields: ProfileUpdate; timeZone?: string },
): Promise<Member> {
  const parsed = profileUpdateSchema(input.timeZone).safeParse(input.fields);
  if (!parsed.success) throw new UserError(parsed.error.issues.map((i) => i.message).join("；"));
  const set: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed.data) as [keyof MemberProfile, unknown][]) {
    if (value !== undefined) set[`profile.${key}`] = value;
  }
  const filter = { branchId: input.branchId, openId: input.openId };
  if (Object.keys(set).length > 0) {
    const result = await models.Member.updateOne(filter, { $set: set });
    if (result.matchedCount === 0) throw new UserError("此人不在本支部名册中。");
  }
  const member = await models.Member.findOne(filter).lean<Member>();
  if (!member) throw new UserError("此人不在本支部名册中。");
  return member;
}

/** 13812345678 → 138****5678; short numbers keep only their last 2 digits. */
export function maskPhone(phone: string | null | undefined): string {
  const value = (phone ?? "").trim();
  if (!value) return "";
  const digits = value.replace(/\D/g, "");
  if (digits.length >= 7) return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
  return `${"*".repeat(Math.max(digits.length - 2, 1))}${digits.slice(-2)}`;
}
