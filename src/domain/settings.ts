import type { Models } from "../db/models/index.js";
import type { Branch, BranchSettings } from "../db/models/branch.js";
import { UserError } from "./errors.js";

/** A per-branch switch of one of the bot's own nudges. */
export interface BranchSettingDef {
  key: keyof BranchSettings;
  /** Words that name it in `/设置 <名称> 开|关`, Chinese first (also matched case-insensitively). */
  names: string[];
  /** Shown in the list and the replies. */
  zh: string;
  /** What it does, one line. */
  summary: string;
  defaultValue: boolean;
}

/**
 * The switches a secretary may change. Add a nudge here (and its field in the branch model's
 * settings) to make it switchable: the command, the list and the README table follow this table.
 */
export const BRANCH_SETTINGS: readonly BranchSettingDef[] = [
  {
    key: "politicalBirthday",
    names: ["政治生日", "birthday", "political-birthday"],
    zh: "政治生日",
    summary: "入党纪念日私信祝贺正式党员、预备党员",
    defaultValue: true,
  },
  {
    key: "developmentReminders",
    names: ["发展提醒", "development", "development-reminders"],
    zh: "发展提醒",
    summary: "发展党员：每周一次私信书记到期/逾期步骤，提醒培养联系人考察、书记预备期将满",
    defaultValue: true,
  },
  {
    key: "thoughtReportReminders",
    names: ["思想汇报提醒", "report", "thought-report"],
    zh: "思想汇报提醒",
    summary: "私信入党积极分子、预备党员本人思想汇报到期（默认关闭）",
    defaultValue: false,
  },
  {
    key: "transferReminders",
    names: ["转接提醒", "transfer", "transfer-reminders"],
    zh: "转接提醒",
    summary: "组织关系转出的介绍信过期仍未收到回执时私信书记（口袋党员）",
    defaultValue: true,
  },
  {
    key: "branchHealth",
    names: ["支部体检", "health", "branch-health"],
    zh: "支部体检",
    summary: "每日体检：支部人数、支委会及换届、党员连续未参加组织生活或未缴党费，有变化时私信书记",
    defaultValue: true,
  },
];

const ON_WORDS = new Set(["开", "开启", "打开", "on", "yes"]);
const OFF_WORDS = new Set(["关", "关闭", "off", "no"]);

/** "开" / "on" → true, "关" / "off" → false, anything else null. */
export function parseSwitch(word: string): boolean | null {
  const w = word.trim().toLowerCase();
  if (ON_WORDS.has(w)) return true;
  if (OFF_WORDS.has(w)) return false;
  return null;
}

export function findSetting(word: string): BranchSettingDef | null {
  const w = word.trim().toLowerCase();
  return BRANCH_SETTINGS.find((def) => def.names.some((name) => name.toLowerCase() === w)) ?? null;
}

/** The value of a switch on a branch document (a missing field is the default). */
export function branchSetting(branch: Pick<Branch, "settings"> | null, key: keyof BranchSettings): boolean {
  const def = BRANCH_SETTINGS.find((d) => d.key === key);
  const value = branch?.settings?.[key];
  return typeof value === "boolean" ? value : (def?.defaultValue ?? true);
}

/** Sets one switch; returns whether it changed. */
export async function setBranchSetting(
  models: Models,
  branchId: string,
  key: keyof BranchSettings,
  value: boolean,
): Promise<{ changed: boolean }> {
  if (!BRANCH_SETTINGS.some((d) => d.key === key)) throw new UserError(`没有名为 ${key} 的设置。`);
  const branch = await models.Branch.findById(branchId).lean<Branch>();
  if (!branch) throw new UserError("支部不存在。");
  if (branchSetting(branch, key) === value) return { changed: false };
  await models.Branch.updateOne({ _id: branchId }, { $set: { [`settings.${key}`]: value } });
  return { changed: true };
}
