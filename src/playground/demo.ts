/**
 * The playground's demo organisation: a 党委 with two branches, each a group chat bound to the bot
 * with its 书记 as chat owner, and members of every status on the roster (one exempt, one away).
 * Made with the bot's own domain functions (bind, sync, roles, statuses, periods, joining the
 * 党委, dues standards), each idempotent, so a restart changes nothing.
 */
import type { MemberRole, MemberStatus } from "../db/models/member.js";
import type { AppDeps } from "../deps.js";
import { answerRole, bindBranch, findMember, setRole, syncMembers } from "../domain/branches.js";
import { createMonthlyDues, profileFor, setDuesProfile } from "../domain/dues.js";
import { monthOf } from "../domain/duesRules.js";
import { addOrgSecretaries, createOrg, decideJoin, requestJoin } from "../domain/orgs.js";
import {
  changeStatus,
  currentExemption,
  parseDay,
  setExemption,
  type ExemptionKind,
} from "../domain/roster.js";
import type { PlaygroundStore } from "./store.js";

interface DemoPerson {
  openId: string;
  name: string;
  status: MemberStatus;
  role?: MemberRole;
  /** The day the status began (YYYY-MM-DD). */
  since?: string;
  period?: { kind: ExemptionKind; where?: string; reason: string };
}

interface DemoBranch {
  name: string;
  chatId: string;
  people: DemoPerson[];
}

export const DEMO_ORG = { name: "示范学院党委" };

/** The 党委书记: an admin of the playground, in no branch chat (talks to the bot privately). */
export const DEMO_ORG_SECRETARY = { openId: "ou_demo_org_secretary", name: "罗志红" };

const person = (id: string, name: string, status: MemberStatus, more: Partial<DemoPerson> = {}) => ({
  openId: `ou_demo_${id}`,
  name,
  status,
  ...more,
});

export const DEMO_BRANCHES: DemoBranch[] = [
  {
    name: "第一党支部",
    chatId: "oc_demo_branch_1",
    people: [
      person("b1_wang", "王建国", "full", { role: "secretary", since: "2008-07-01" }),
      person("b1_li", "李秀英", "full", { role: "committee", since: "2012-06-20" }),
      person("b1_zhang", "张伟", "full", { since: "2016-05-12" }),
      person("b1_liu", "刘芳", "full", { since: "2019-11-08" }),
      person("b1_chen", "陈静", "probationary", { since: "2026-06-28" }),
      person("b1_yang", "杨磊", "target", { since: "2026-03-15" }),
      person("b1_zhao", "赵敏", "activist", { since: "2025-10-09" }),
      person("b1_huang", "黄娟", "applicant", { since: "2026-09-01" }),
      person("b1_zhou", "周涛", "non-party"),
      person("b1_wu", "吴桂兰", "full", {
        since: "1985-07-01",
        period: { kind: "exempt", reason: "年老体弱" },
      }),
      person("b1_xu", "徐明", "full", {
        since: "2014-04-18",
        period: { kind: "away", where: "新疆喀什（援疆）", reason: "对口支援挂职" },
      }),
    ],
  },
  {
    name: "第二党支部",
    chatId: "oc_demo_branch_2",
    people: [
      person("b2_sun", "孙立新", "full", { role: "secretary", since: "2010-06-30" }),
      person("b2_ma", "马丽", "full", { role: "committee", since: "2015-12-01" }),
      person("b2_zhu", "朱强", "full", { since: "2018-07-01" }),
      person("b2_hu", "胡婷", "probationary", { since: "2026-05-20" }),
      person("b2_guo", "郭浩然", "activist", { since: "2026-04-02" }),
      person("b2_he", "何雪", "applicant", { since: "2026-10-10" }),
      person("b2_gao", "高玉梅", "non-party"),
      person("b2_lin", "林晓东", "full", {
        since: "2013-09-10",
        period: { kind: "away", where: "深圳分校", reason: "外出工作" },
      }),
    ],
  },
];

/** The people and chats as the playground's Lark knows them (the stand-in's side). */
export function addDemoChats(store: PlaygroundStore): void {
  store.addPerson(DEMO_ORG_SECRETARY);
  for (const branch of DEMO_BRANCHES) {
    for (const p of branch.people) store.addPerson({ openId: p.openId, name: p.name });
    const secretary = branch.people.find((p) => p.role === "secretary")!;
    store.addGroup({
      chatId: branch.chatId,
      name: branch.name,
      memberOpenIds: branch.people.map((p) => p.openId),
      ownerOpenId: secretary.openId,
    });
  }
}

/** A monthly income for the dues standard: the demo's, not anyone's. */
const DEMO_INCOME_FEN = 850_000;

/** The bot's side: the records the branches would have after binding and setting up. */
export async function seedDemoOrganisation(deps: AppDeps): Promise<void> {
  const { models, clock } = deps;
  const { org } = await createOrg(models, { name: DEMO_ORG.name, createdBy: DEMO_ORG_SECRETARY.openId });
  await addOrgSecretaries(models, org._id, [DEMO_ORG_SECRETARY.openId]);
  const month = monthOf(clock.now(), deps.config.TZ);
  for (const demo of DEMO_BRANCHES) {
    const secretary = demo.people.find((p) => p.role === "secretary")!;
    const { branch } = await bindBranch(models, { chatId: demo.chatId, name: demo.name, binder: secretary });
    await syncMembers(models, branch._id, demo.people, clock.now());
    for (const p of demo.people) {
      const since = p.since ? parseDay(p.since, deps.config.TZ) : null;
      await changeStatus(models, clock, {
        branchId: branch._id,
        openId: p.openId,
        status: p.status,
        since,
        by: secretary.openId,
      });
      if (p.role && p.role !== "secretary")
        await giveRole(deps, branch._id, p.openId, p.role, secretary.openId);
      const member = await findMember(models, branch._id, p.openId);
      if (p.period && member && !currentExemption(member, clock.now())) {
        await setExemption(models, clock, {
          branchId: branch._id,
          openId: p.openId,
          by: secretary.openId,
          ...p.period,
        });
      }
      if ((p.status === "full" || p.status === "probationary") && deps.dues.box) {
        if (!(await profileFor(models, branch._id, p.openId, month))) {
          await setDuesProfile(models, clock, deps.dues.box, deps.dues.rules, {
            branchId: branch._id,
            openId: p.openId,
            category: "employed",
            baseFen: DEMO_INCOME_FEN,
            effectiveFrom: month,
            setBy: secretary.openId,
          });
        }
      }
    }
    if (!branch.orgId) {
      const { request } = await requestJoin(models, {
        branchId: branch._id,
        org,
        requestedBy: secretary.openId,
        now: clock.now(),
      });
      await decideJoin(models, { branchId: branch._id, requestId: request.id, decision: "approve" });
    }
  }
  // This month's dues, as the monthly job would have made them on the 1st.
  await createMonthlyDues(models, clock, { month, timeZone: deps.config.TZ });
}

/** A 支委 role is offered and accepted, as the person would in their private chat. */
async function giveRole(deps: AppDeps, branchId: string, openId: string, role: MemberRole, by: string) {
  const change = await setRole(deps.models, branchId, openId, role, { by, now: deps.clock.now() });
  if (change.kind === "offered") {
    await answerRole(deps.models, { branchId, openId, requestId: change.pending.id, accept: true });
  }
}
