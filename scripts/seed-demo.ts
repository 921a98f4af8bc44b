/**
 * Fills a database with a realistic demo organisation: parent organisations (党委), branches with
 * rosters (1 secretary, 2–3 committee members, party groups), a year of CLOSED meetings per
 * branch following config/meetings.ts (with some gaps), study tasks with confirmations and
 * monthly dues (85–100 % paid). Deterministic: the same options give the same data.
 *
 *   npm run seed-demo -- [--branches 20] [--members 40] [--year 2026] [--db-name <name>] [--force]
 *
 * Fills the bot's own database, the one `npm start` uses: MONGODB_URI's, or the local database
 * (data in ZHIBU_DATA_DIR), started like `npm start` does. Refuses to write into a database that
 * already has branches unless --force (drops it first).
 * `seedDemo(connection, options)` is also used by the bench (scripts/bench/statsExport.ts).
 */
import "dotenv/config";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { DateTime } from "luxon";
import type { Connection, Model } from "mongoose";
import { MEETING_TYPES } from "../config/meetings.js";
import { connectDb } from "../src/db/connection.js";
import { LocalDbUnavailableError, startLocalDb, type LocalDbServer } from "../src/db/localServer.js";
import { createModels, syncIndexes, type Models } from "../src/db/models/index.js";

export interface SeedDemoOptions {
  branches?: number;
  membersPerBranch?: number;
  year?: number;
  /** Branches per parent organisation (党委); default 25. */
  branchesPerParent?: number;
  timeZone?: string;
  /** PRNG seed; default 20260701. */
  seed?: number;
  /** Documents per insertMany; default 2,000. */
  batchSize?: number;
}

export interface SeedDemoCounts {
  parentOrgs: string[];
  branches: number;
  members: number;
  meetings: number;
  studyTasks: number;
  studyConfirmations: number;
  dues: number;
  branchIds: string[];
  ms: number;
}

const PARENT_NAMES = ["机关党委", "科研党委", "教学党委", "后勤党委", "附属单位党委", "离退休党委"];
const SURNAMES =
  "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN =
  "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文辉鹏海燕晓东雪琳婷宇浩然思远佳欣子涵雨轩博文俊杰嘉怡立新卫东春梅秋菊";
const PLACES = ["党员活动室", "三楼会议室", "党建活动中心", "线上（飞书会议）", "五楼小会议室"];
const STUDY_TITLES = [
  "学习习近平新时代中国特色社会主义思想专题",
  "学习《中国共产党章程》",
  "学习《中国共产党支部工作条例（试行）》",
  "学习党的二十大报告",
  "学习《中国共产党纪律处分条例》",
  "学习全国两会精神",
  "党史学习：新民主主义革命时期",
  "学习《中国共产党党员教育管理工作条例》",
];

/** Mulberry32: small, fast, deterministic. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    between: (min: number, max: number) => min + next() * (max - min),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!,
  };
}

interface RosterEntry {
  openId: string;
  name: string;
  role: "secretary" | "committee" | "member";
  partyGroup: string;
  leftAt: Date | null;
}

/** Buffers documents per model and writes them with insertMany in batches. */
class Inserter {
  private readonly buffers = new Map<Model<never>, Record<string, unknown>[]>();
  readonly counts = new Map<string, number>();
  constructor(private readonly batchSize: number) {}

  async add(model: Model<never>, doc: Record<string, unknown>): Promise<void> {
    let buffer = this.buffers.get(model);
    if (!buffer) this.buffers.set(model, (buffer = []));
    buffer.push(doc);
    if (buffer.length >= this.batchSize) await this.flush(model);
  }

  async flush(model: Model<never>): Promise<void> {
    const buffer = this.buffers.get(model);
    if (!buffer || buffer.length === 0) return;
    this.buffers.set(model, []);
    // lean: no hydration or validation (every field is set here), one round trip per batch.
    await model.insertMany(buffer, { ordered: false, lean: true });
    this.counts.set(model.modelName, (this.counts.get(model.modelName) ?? 0) + buffer.length);
  }

  async flushAll(): Promise<void> {
    for (const model of this.buffers.keys()) await this.flush(model);
  }
}

/** Seeds the demo organisation into `connection`'s database (expected empty). */
export async function seedDemo(
  connection: Connection,
  options: SeedDemoOptions = {},
): Promise<SeedDemoCounts> {
  const started = performance.now();
  const branchCount = options.branches ?? 20;
  const membersPer = Math.max(6, options.membersPerBranch ?? 40);
  const year = options.year ?? 2026;
  const perParent = options.branchesPerParent ?? 25;
  const zone = options.timeZone ?? "Asia/Shanghai";
  const rnd = prng(options.seed ?? 20260701);
  const models: Models = createModels(connection);
  await syncIndexes(models);
  const ins = new Inserter(options.batchSize ?? 2_000);
  const M = <T>(model: T) => model as unknown as Model<never>;

  const typeInfo = new Map(MEETING_TYPES.map((t) => [t.id, t]));
  const yearStart = DateTime.fromObject({ year }, { zone });
  const parentOrgs: string[] = [];
  const branchIds: string[] = [];
  let meetingSeq = 0;
  let taskSeq = 0;

  for (let b = 1; b <= branchCount; b++) {
    const parentIndex = Math.floor((b - 1) / perParent);
    const parentOrg = PARENT_NAMES[parentIndex] ?? `第${parentIndex + 1}党委`;
    if (!parentOrgs.includes(parentOrg)) {
      parentOrgs.push(parentOrg);
      // The organisation is a record of its own; the demo's branches are already approved members.
      await ins.add(M(models.Organisation), {
        _id: `O${parentOrgs.length}`,
        seq: parentOrgs.length,
        name: parentOrg,
        secretaries: [],
        createdBy: "seed-demo",
        createdAt: yearStart.toJSDate(),
        updatedAt: yearStart.toJSDate(),
      });
    }
    const branchId = `B${b}`;
    const chatId = `oc_demo_${String(b).padStart(5, "0")}`;
    branchIds.push(branchId);

    // Roster: 1 secretary, 2–3 committee, the rest members; 2–4 party groups; ~3 % left mid-year.
    const committee = rnd.int(2, 3);
    const groups = Array.from(
      { length: Math.min(rnd.int(2, 4), Math.floor(membersPer / 3)) },
      (_, i) => `第${"一二三四"[i]}党小组`,
    );
    const roster: RosterEntry[] = Array.from({ length: membersPer }, (_, i) => ({
      openId: `ou_demo_${String(b).padStart(5, "0")}_${String(i).padStart(4, "0")}`,
      name: rnd.pick([...SURNAMES]) + rnd.pick([...GIVEN]) + (rnd.chance(0.6) ? rnd.pick([...GIVEN]) : ""),
      role: i === 0 ? "secretary" : i <= committee ? "committee" : "member",
      partyGroup: groups[i % groups.length]!,
      leftAt:
        i > committee && rnd.chance(0.03) ? yearStart.plus({ days: rnd.int(60, 330) }).toJSDate() : null,
    }));
    const secretary = roster[0]!;
    const createdAt = yearStart.minus({ months: rnd.int(1, 24) }).toJSDate();

    await ins.add(M(models.Branch), {
      _id: branchId,
      seq: b,
      name: `${parentOrg.replace(/党委$/, "")}第${b}党支部`,
      chatId,
      orgId: `O${parentOrgs.indexOf(parentOrg) + 1}`,
      orgRequest: null,
      parentOrg: null,
      createdBy: secretary.openId,
      createdAt,
      updatedAt: createdAt,
    });
    for (const m of roster)
      await ins.add(M(models.Member), {
        branchId,
        openId: m.openId,
        name: m.name,
        role: m.role,
        partyGroup: m.partyGroup,
        active: m.leftAt === null,
        leftAt: m.leftAt,
        createdAt,
        updatedAt: m.leftAt ?? createdAt,
      });
    const activeAt = (at: Date) => roster.filter((m) => m.leftAt === null || m.leftAt > at);

    // Meetings: how diligent this branch is (some branches leave gaps) and how well attended.
    const diligence = rnd.chance(0.6) ? 1 : rnd.between(0.6, 0.95);
    const attendance = rnd.between(0.7, 1);
    const addMeeting = async (type: string, at: DateTime, partyGroup: string | null) => {
      const startAt = at.toJSDate();
      const durationMin = type === "committee" ? 60 : 90;
      const scope = activeAt(startAt).filter((m) =>
        type === "committee" ? m.role !== "member" : type === "group" ? m.partyGroup === partyGroup : true,
      );
      const rate = Math.min(1, Math.max(0.5, attendance + rnd.between(-0.08, 0.08)));
      const record = {
        expected: [] as string[],
        present: [] as string[],
        leave: [] as string[],
        absent: [] as string[],
      };
      for (const m of scope) {
        record.expected.push(m.openId);
        if (rnd.chance(rate)) record.present.push(m.openId);
        else if (rnd.chance(0.6)) record.leave.push(m.openId);
        else record.absent.push(m.openId);
      }
      const seq = ++meetingSeq;
      const closedAt = at.plus({ minutes: durationMin }).toJSDate();
      const info = typeInfo.get(type as (typeof MEETING_TYPES)[number]["id"])!;
      await ins.add(M(models.Meeting), {
        _id: `M${seq}`,
        seq,
        branchId,
        chatId,
        type,
        title: `${at.toFormat("M月")}${partyGroup ?? ""}${info.zh}`,
        startAt,
        durationMin,
        place: rnd.pick(PLACES),
        agenda: "",
        partyGroup,
        status: "closed",
        cardMessageId: `om_demo_card_${seq}`,
        createdBy: secretary.openId,
        sourceKey: `om_demo_source_${seq}`,
        minutes: `${info.zh}：传达学习上级精神，研究支部近期工作。`,
        record,
        closedAt,
        cancelledAt: null,
        createdAt: at.minus({ days: 7 }).toJSDate(),
        updatedAt: closedAt,
      });
    };
    for (let month = 1; month <= 12; month++) {
      const base = yearStart.set({ month });
      const skipMonth = diligence < 1 && rnd.chance(0.1); // a whole month with nothing held
      if (skipMonth) continue;
      const held = () => rnd.chance(diligence);
      if (held()) await addMeeting("committee", base.set({ day: rnd.int(3, 8), hour: 9 }), null);
      if (held())
        await addMeeting("theme-day", base.set({ day: rnd.int(10, 20), hour: 14, minute: 30 }), null);
      for (const group of groups)
        if (held()) await addMeeting("group", base.set({ day: rnd.int(9, 25), hour: 16 }), group);
      if (month % 3 === 2) {
        if (held()) await addMeeting("branch-assembly", base.set({ day: rnd.int(12, 26), hour: 15 }), null);
        if (held()) await addMeeting("lecture", base.set({ day: rnd.int(12, 26), hour: 10 }), null);
      }
      if (month === 12 && held())
        await addMeeting("life-meeting", base.set({ day: rnd.int(15, 28), hour: 14 }), null);
    }

    // Study: one branch-wide task a month, a committee task each quarter; 80–100 % confirm.
    const diligentStudy = rnd.between(0.8, 1);
    for (let month = 1; month <= 12; month++) {
      const scopes: ("branch" | "committee")[] = month % 3 === 1 ? ["branch", "committee"] : ["branch"];
      for (const scope of scopes) {
        const seq = ++taskSeq;
        const created = yearStart.set({ month, day: rnd.int(1, 10), hour: 9 });
        const deadline = created.plus({ days: 14 }).endOf("day");
        const hours = scope === "branch" ? rnd.pick([1, 2, 2, 3]) : 2;
        const taskId = `S${seq}`;
        await ins.add(M(models.StudyTask), {
          _id: taskId,
          seq,
          branchId,
          chatId,
          title: rnd.pick(STUDY_TITLES),
          link: null,
          text: "请认真学习并在截止日期前点击「已学习」。",
          deadline: deadline.toJSDate(),
          hours,
          scope,
          partyGroup: null,
          status: "closed",
          cardMessageId: `om_demo_study_${seq}`,
          createdBy: secretary.openId,
          sourceKey: `om_demo_study_source_${seq}`,
          closedAt: deadline.toJSDate(),
          createdAt: created.toJSDate(),
          updatedAt: deadline.toJSDate(),
        });
        for (const m of activeAt(deadline.toJSDate())) {
          if (scope === "committee" && m.role === "member") continue;
          if (!rnd.chance(diligentStudy)) continue;
          const late = rnd.chance(0.08);
          const confirmedAt = late
            ? deadline.plus({ days: rnd.int(1, 5) })
            : created.plus({ hours: rnd.int(2, 14 * 24 - 2) });
          await ins.add(M(models.StudyConfirmation), {
            taskId,
            branchId,
            openId: m.openId,
            confirmedAt: confirmedAt.toJSDate(),
            late,
            reflection: rnd.chance(0.3) ? "深受教育，将在工作中认真践行。" : "",
            hours,
            year: confirmedAt.setZone(zone).year,
            createdAt: confirmedAt.toJSDate(),
            updatedAt: confirmedAt.toJSDate(),
          });
        }
      }
    }

    // Dues: each member every month; 85–100 % paid, the rest unpaid or pending.
    const paidShare = rnd.between(0.85, 1);
    for (const m of roster) {
      const amountFen = rnd.chance(0.05) ? 20 : rnd.int(15, 200) * 100; // 0.2 元 (student) or 15–200 元
      for (let month = 1; month <= 12; month++) {
        const monthStart = yearStart.set({ month });
        if (m.leftAt && m.leftAt <= monthStart.toJSDate()) break;
        const paid = rnd.chance(paidShare);
        const paidAt = paid
          ? monthStart.plus({ days: rnd.int(0, 27), hours: rnd.int(8, 20) }).toJSDate()
          : null;
        await ins.add(M(models.Due), {
          branchId,
          openId: m.openId,
          month: monthStart.toFormat("yyyy-MM"),
          amountFen,
          status: paid ? "paid" : rnd.chance(0.3) ? "pending" : "unpaid",
          paidFen: paid ? amountFen : null,
          paidAt,
          recordedBy: paid ? secretary.openId : null,
          claimedAt: null,
          createdAt: monthStart.toJSDate(),
          updatedAt: paidAt ?? monthStart.toJSDate(),
        });
      }
    }
  }
  await ins.flushAll();

  const count = (model: { modelName: string }) => ins.counts.get(model.modelName) ?? 0;
  return {
    parentOrgs,
    branches: count(models.Branch),
    members: count(models.Member),
    meetings: count(models.Meeting),
    studyTasks: count(models.StudyTask),
    studyConfirmations: count(models.StudyConfirmation),
    dues: count(models.Due),
    branchIds,
    ms: performance.now() - started,
  };
}

const USAGE = `Usage: npm run seed-demo -- [--branches 20] [--members 40] [--year 2026] [--db-name <name>] [--force]
  --branches  number of branches (default 20; 25 per 党委)
  --members   members per branch (default 40, at least 6)
  --year      the year of records (default 2026)
  --db-name   another database to fill (default: the bot's own, as npm start uses it)
  --force     drop that database first, even if it holds data (otherwise it must have no branches)
Environment: MONGODB_URI (else the local database in ZHIBU_DATA_DIR, default ./data), TZ (default Asia/Shanghai).`;

/** The database holds data: nothing was written. */
class SeedRefused extends Error {}

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} "${text}" is not a positive integer.`);
  return n;
}

async function main() {
  const { values } = parseArgs({
    options: {
      branches: { type: "string" },
      members: { type: "string" },
      year: { type: "string" },
      "db-name": { type: "string" },
      force: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const branches = positiveInt("branches", values.branches, 20);
  const members = positiveInt("members", values.members, 40);
  const year = positiveInt("year", values.year, 2026);
  const dbName = values["db-name"];
  const timeZone = process.env.TZ || "Asia/Shanghai";

  let localDb: LocalDbServer | undefined;
  let connection: Connection | undefined;
  try {
    const uri = process.env.MONGODB_URI;
    if (uri) connection = await connectDb(uri, dbName);
    else {
      const dataDir = path.resolve(process.env.ZHIBU_DATA_DIR || "./data", "db");
      localDb = await startLocalDb({ dataDir });
      connection = await connectDb(localDb.uri, dbName);
    }
    const name = connection.db?.databaseName ?? dbName;
    if (values.force) await connection.dropDatabase();
    else if (await createModels(connection).Branch.exists({}))
      throw new SeedRefused(
        `database "${name}" already has branches: not seeded. Pass --force to drop it and seed the demo.`,
      );
    const counts = await seedDemo(connection, { branches, membersPerBranch: members, year, timeZone });
    console.log(`seeded database "${name}" in ${(counts.ms / 1000).toFixed(1)} s:`);
    console.log(`  parent organisations: ${counts.parentOrgs.join("、")}`);
    for (const key of [
      "branches",
      "members",
      "meetings",
      "studyTasks",
      "studyConfirmations",
      "dues",
    ] as const)
      console.log(`  ${key.padEnd(20)}${counts[key]}`);
    console.log(`  branch ids: ${counts.branchIds.join(" ")}`);
  } finally {
    await connection?.close();
    await localDb?.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await main();
  } catch (error) {
    console.error(
      error instanceof LocalDbUnavailableError || error instanceof SeedRefused ? error.message : error,
    );
    process.exit(1);
  }
}
