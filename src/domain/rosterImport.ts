/**
 * Import of the 党员名册 from a filled workbook: validate the rows (rosterRows.ts), compare them
 * with the branch's roster, keep the plan as a pending import, apply it when a secretary confirms.
 *
 * Rules: a row is matched by its 编号 (the member's key, filled in by the template) where given,
 * else by name among the branch's active members; a name matching nobody becomes a new person on
 * no chat (`onFeishu: false`, key `offline_…`); a name matching two members is an error the
 * secretary resolves by filling in 编号. A blank cell keeps what the roster holds. Nothing is ever
 * deleted: members missing from the file are only listed. Each member write is one atomic
 * updateOne (upsert for new people); applying again writes nothing new (status history is pushed
 * only when the status really changes), so a crash mid-apply is resumed by confirming again.
 */
import type { Models } from "../db/models/index.js";
import type { Member, MemberStatus } from "../db/models/member.js";
import type { RosterImportDoc } from "../db/models/rosterImport.js";
import { OFFLINE_KEY_PREFIX } from "../db/models/member.js";
import { trusted } from "../db/connection.js";
import { statusOf, STATUS_ZH } from "./whoCounts.js";
import { FIELD_LABELS, type ImportField, type ImportRow, type RowError } from "./rosterRows.js";

export { validateRows, ROSTER_COLUMNS, IMPORT_STATUSES, type RawRow } from "./rosterRows.js";
export type { ImportRow, RowError } from "./rosterRows.js";

export const IMPORT_REASON = "名册导入";

export interface FieldChange {
  field: ImportField;
  from: string;
  to: string;
}

/** A value to write, by member path ("name", "status", "partyGroup", "profile.phone" …). */
type Sets = Record<string, string | Date | null>;

export type PlanOp =
  | {
      kind: "new";
      row: number;
      openId: string;
      name: string;
      sets: Sets;
      status: MemberStatus;
      since: Date | null;
    }
  | {
      kind: "change";
      row: number;
      openId: string;
      name: string;
      sets: Sets;
      changes: FieldChange[];
      /** Set when the status changes: one statusHistory entry. */
      status: MemberStatus | null;
      since: Date | null;
    };

export interface ImportPlan {
  ops: PlanOp[];
  errors: RowError[];
  /** Active members not in the file: listed, never changed. */
  missing: { openId: string; name: string }[];
  unchanged: number;
}

type RosterMember = Pick<
  Member,
  "openId" | "name" | "status" | "partyGroup" | "profile" | "active" | "onFeishu"
>;

const day = (date: Date | null | undefined) => (date ? new Date(date).toISOString().slice(0, 10) : "");

/** How a field's value reads in the preview. */
function shown(field: ImportField, value: unknown): string {
  if (field === "status") return STATUS_ZH[value as MemberStatus] ?? String(value ?? "");
  if (value instanceof Date) return day(value);
  return value === null || value === undefined ? "" : String(value);
}

const PATHS: Record<ImportField, string> = {
  name: "name",
  status: "status",
  partyGroup: "partyGroup",
  gender: "profile.gender",
  ethnicity: "profile.ethnicity",
  birthMonth: "profile.birthMonth",
  education: "profile.education",
  joinedAt: "profile.joinedAt",
  fullAt: "profile.fullAt",
  partyPost: "profile.partyPost",
  phone: "profile.phone",
};

function currentValue(member: RosterMember, field: ImportField): string | Date | null {
  if (field === "name") return member.name ?? "";
  if (field === "status") return statusOf(member);
  if (field === "partyGroup") return member.partyGroup ?? null;
  const profile = (member.profile ?? {}) as Record<string, unknown>;
  const value = profile[field];
  if (field === "joinedAt" || field === "fullAt") return value ? new Date(value as Date) : null;
  return (value as string | undefined) ?? "";
}

const same = (a: unknown, b: unknown) =>
  a instanceof Date || b instanceof Date
    ? day(a as Date | null) === day(b as Date | null)
    : (a ?? "") === (b ?? "");

/** The day a status began, from the row: 转正日期 for 正式, 入党日期 for 预备. */
function statusSince(row: ImportRow, status: MemberStatus): Date | null {
  if (status === "full") return row.values.fullAt ?? row.values.joinedAt ?? null;
  if (status === "probationary") return row.values.joinedAt ?? null;
  return null;
}

/**
 * Compares validated rows with the roster. `importId` makes the keys of new people on no chat
 * (stable for the import, so a second confirm upserts the same documents).
 */
export function diffRoster(
  rows: ImportRow[],
  rowErrors: RowError[],
  members: RosterMember[],
  importId: string,
): ImportPlan {
  const errors = [...rowErrors];
  const byOpenId = new Map(members.map((m) => [m.openId, m]));
  const activeByName = new Map<string, RosterMember[]>();
  for (const m of members) {
    if (!m.active || !m.name) continue;
    activeByName.set(m.name, [...(activeByName.get(m.name) ?? []), m]);
  }
  const ops: PlanOp[] = [];
  const matched = new Set<string>();
  let unchanged = 0;
  for (const row of rows) {
    let member: RosterMember | undefined;
    if (row.id) {
      member = byOpenId.get(row.id);
      if (!member) {
        errors.push({ row: row.row, message: `编号「${row.id}」不是本支部名册中的人员（新成员请留空编号）` });
        continue;
      }
    } else {
      const named = activeByName.get(row.values.name!) ?? [];
      if (named.length > 1) {
        errors.push({
          row: row.row,
          message: `名册中有 ${named.length} 人名为「${row.values.name}」，请填写其「编号」列（见 /党员 模板）`,
        });
        continue;
      }
      member = named[0];
    }
    if (member && matched.has(member.openId)) {
      errors.push({ row: row.row, message: `与前面的行对应同一人「${member.name}」` });
      continue;
    }
    if (!member) {
      const status = row.values.status!;
      const sets: Sets = {};
      for (const [field, value] of Object.entries(row.values) as [ImportField, string | Date | null][]) {
        if (value !== undefined) sets[PATHS[field]] = value;
      }
      ops.push({
        kind: "new",
        row: row.row,
        openId: `${OFFLINE_KEY_PREFIX}${importId}_${row.row}`,
        name: row.values.name!,
        sets,
        status,
        since: statusSince(row, status),
      });
      continue;
    }
    matched.add(member.openId);
    const sets: Sets = {};
    const changes: FieldChange[] = [];
    for (const [field, value] of Object.entries(row.values) as [ImportField, string | Date | null][]) {
      if (value === undefined) continue;
      const before = currentValue(member, field);
      if (same(before, value)) continue;
      sets[PATHS[field]] = value;
      changes.push({ field, from: shown(field, before), to: shown(field, value) });
    }
    if (changes.length === 0) {
      unchanged++;
      continue;
    }
    const status = "status" in sets ? (sets.status as MemberStatus) : null;
    ops.push({
      kind: "change",
      row: row.row,
      openId: member.openId,
      name: member.name || row.values.name!,
      sets,
      changes,
      status,
      since: status ? statusSince(row, status) : null,
    });
  }
  const missing = members
    .filter((m) => m.active && !matched.has(m.openId))
    .map((m) => ({ openId: m.openId, name: m.name || m.openId }));
  errors.sort((a, b) => a.row - b.row);
  return { ops, errors, missing, unchanged };
}

export function planCounts(plan: Pick<ImportPlan, "ops" | "errors" | "missing">) {
  return {
    added: plan.ops.filter((op) => op.kind === "new").length,
    changed: plan.ops.filter((op) => op.kind === "change").length,
    errors: plan.errors.length,
    errorRows: new Set(plan.errors.map((e) => e.row)).size,
    missing: plan.missing.length,
  };
}

/** The roster as the diff needs it: every member of the branch, active or not. */
export async function loadRoster(models: Models, branchId: string): Promise<RosterMember[]> {
  return models.Member.find(
    { branchId },
    { openId: 1, name: 1, status: 1, partyGroup: 1, profile: 1, active: 1, onFeishu: 1 },
  ).lean<RosterMember[]>();
}

/** Stores the plan as a pending import (a redelivered file message stores nothing twice). */
export async function savePendingImport(
  models: Models,
  input: { importId: string; branchId: string; by: string; fileName: string; plan: ImportPlan; now: Date },
): Promise<RosterImportDoc> {
  const doc = {
    branchId: input.branchId,
    by: input.by,
    fileName: input.fileName,
    state: "pending" as const,
    createdAt: input.now,
    ops: input.plan.ops,
    errors: input.plan.errors,
    missing: input.plan.missing,
    unchanged: input.plan.unchanged,
  };
  await models.RosterImport.updateOne({ _id: input.importId }, { $setOnInsert: doc }, { upsert: true });
  return (await models.RosterImport.findById(input.importId).lean<RosterImportDoc>())!;
}

/** Writes in flight at once while applying (each op is about a different member). */
const APPLY_CONCURRENCY = 16;

/** Applies every op of a plan: one atomic write per member, several at a time; idempotent. */
export async function applyPlan(
  models: Models,
  branchId: string,
  ops: PlanOp[],
  options: { by: string; now: Date },
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < ops.length) await applyOp(models, branchId, ops[next++]!, options);
  };
  await Promise.all(Array.from({ length: Math.min(APPLY_CONCURRENCY, ops.length) }, worker));
}

async function applyOp(models: Models, branchId: string, op: PlanOp, options: { by: string; now: Date }) {
  {
    const entry = (status: MemberStatus, since: Date | null) => ({
      status,
      since,
      by: options.by,
      at: options.now,
      reason: IMPORT_REASON,
    });
    if (op.kind === "new") {
      const { partyGroup, ...rest } = op.sets;
      await models.Member.updateOne(
        { branchId, openId: op.openId },
        {
          $setOnInsert: {
            branchId,
            openId: op.openId,
            role: "member",
            active: true,
            onFeishu: false,
            partyGroup: partyGroup ?? null,
            ...rest,
            statusSince: op.since,
            statusHistory: [entry(op.status, op.since)],
          },
        },
        { upsert: true },
      );
      return;
    }
    const sets = { ...op.sets, ...(op.status ? { statusSince: op.since } : {}) };
    if (op.status) {
      // The history entry only when the status is not the new one yet: a second apply pushes nothing.
      const result = await models.Member.updateOne(
        { branchId, openId: op.openId, status: trusted({ $ne: op.status }) },
        { $set: sets, $push: { statusHistory: entry(op.status, op.since) } },
      );
      if (result.matchedCount === 1) return;
    }
    await models.Member.updateOne({ branchId, openId: op.openId }, { $set: sets });
  }
}

export type ConfirmOutcome =
  | { kind: "applied"; doc: RosterImportDoc }
  | { kind: "already"; doc: RosterImportDoc }
  | { kind: "cancelled"; doc: RosterImportDoc }
  | { kind: "has-errors"; doc: RosterImportDoc }
  | { kind: "missing" };

/**
 * 确认导入: refused while the import has errors; applies all ops, then marks it applied
 * (compare-and-set). A second click after a crash applies again, writing only what is missing.
 */
export async function confirmImport(
  models: Models,
  importId: string,
  options: { by: string; now: Date },
): Promise<ConfirmOutcome> {
  const doc = await models.RosterImport.findById(importId).lean<RosterImportDoc>();
  if (!doc) return { kind: "missing" };
  if (doc.state === "applied") return { kind: "already", doc };
  if (doc.state === "cancelled") return { kind: "cancelled", doc };
  if ((doc.errors ?? []).length > 0) return { kind: "has-errors", doc };
  await applyPlan(models, doc.branchId, doc.ops as PlanOp[], options);
  await models.RosterImport.updateOne(
    { _id: importId, state: "pending" },
    { $set: { state: "applied", decidedBy: options.by, decidedAt: options.now } },
  );
  return { kind: "applied", doc };
}

/** 取消: discards a pending import (compare-and-set; an applied one stays applied). */
export async function cancelImport(
  models: Models,
  importId: string,
  options: { by: string; now: Date },
): Promise<ConfirmOutcome> {
  const doc = await models.RosterImport.findById(importId).lean<RosterImportDoc>();
  if (!doc) return { kind: "missing" };
  const result = await models.RosterImport.updateOne(
    { _id: importId, state: "pending" },
    { $set: { state: "cancelled", decidedBy: options.by, decidedAt: options.now, ops: [] } },
  );
  if (result.modifiedCount === 1) return { kind: "cancelled", doc };
  return doc.state === "applied" ? { kind: "already", doc } : { kind: "cancelled", doc };
}

export { FIELD_LABELS };
