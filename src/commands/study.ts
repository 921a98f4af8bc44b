import { newStudyFormCard } from "../cards/studyForm.js";
import { listPartyGroups } from "../domain/branches.js";
import { UserError } from "../domain/errors.js";
import {
  findStudy,
  formatStudyDeadline,
  listStudies,
  studyDetails,
  type StudyScope,
  type StudyTask,
} from "../domain/study.js";
import { studyCardData } from "../presenters/study.js";
import { remindStudy } from "../delivery/studyReminders.js";
import { closeStudyAndReminders, createAndAnnounceStudy } from "../usecases/studies.js";
import { commandInput, idOnly, noArguments, option, recordId } from "./args.js";
import { allowed } from "../domain/policy.js";
import { sendPrivately } from "./private.js";
import { findOrRefuse, replyList, type RecordKind } from "./records.js";
import { subcommand, type CommandContext, type CommandFamily } from "./types.js";

const SCOPE_WORDS: Record<string, StudyScope> = {
  全体: "branch",
  全体党员: "branch",
  branch: "branch",
  支委: "committee",
  committee: "committee",
  党小组: "group",
  group: "group",
};

/** Study task ids as people type them: S3, s3. */
export const studyId = recordId("学习", "S", 3);

/** `<截止日期> <学时> <标题…> [链接=URL] [范围=全体|支委|党小组] [党小组=…]`, or nothing (→ form). */
const newStudyArgs = commandInput.transform((input, ctx) => {
  if (input.positional.length === 0 && Object.keys(input.options).length === 0) return null;
  const [deadline = "", hoursText = "", ...titleWords] = input.positional;
  if (!/^\d{4}-\d{1,2}-\d{1,2}$/.test(deadline))
    ctx.addIssue({ code: "custom", message: "截止日期须为 YYYY-MM-DD" });
  const hours = Number(hoursText);
  if (!/^\d+(\.5)?$/.test(hoursText) || hours <= 0) {
    ctx.addIssue({ code: "custom", message: "学时须为正数，可为半小时，如 2 或 1.5" });
  }
  if (titleWords.length === 0) ctx.addIssue({ code: "custom", message: "缺少学习标题" });
  const link = option(input, "链接", "link");
  if (link !== undefined && !/^https?:\/\/\S+$/i.test(link)) {
    ctx.addIssue({ code: "custom", message: "链接须以 http:// 或 https:// 开头" });
  }
  const scopeWord = option(input, "范围", "scope");
  const scope = scopeWord === undefined ? "branch" : SCOPE_WORDS[scopeWord.toLowerCase()];
  if (!scope) ctx.addIssue({ code: "custom", message: "范围须为 全体、支委 或 党小组" });
  return {
    deadline,
    hours,
    title: titleWords.join(" "),
    link: link ?? null,
    scope: scope ?? "branch",
    partyGroup: option(input, "党小组", "group") ?? null,
  };
});

const studyIdOnly = idOnly(studyId, "studyId", "只需要学习编号");

const STUDY: RecordKind = { label: "学习任务", command: "/学习" };

function studyOf(ctx: CommandContext, id: string): Promise<StudyTask> {
  return findOrRefuse(ctx, findStudy, id, STUDY);
}

const common = { needsBranch: true, chat: "any" } as const;

export const studyCommands: CommandFamily = {
  name: "study",
  aliases: ["学习"],
  summary: "学习任务与学习打卡",
  defaultSubcommand: "list",
  subcommands: [
    subcommand({
      ...common,
      name: "new",
      aliases: ["新建"],
      usage: [
        "/学习 新建 <截止日期 YYYY-MM-DD> <学时> <标题…> [链接=URL] [范围=全体|支委|党小组] [党小组=…]",
        "/study new <deadline> <hours> <title…> [link=URL] [scope=branch|committee|group] [group=…]",
        "/学习 新建（不带参数：发送填写表单）",
      ],
      summary: "布置学习任务并在群里发学习卡片（书记、支委）",
      permission: "committee",
      args: newStudyArgs,
      async run(ctx, args) {
        const { deps, branch } = ctx;
        if (!args) {
          const partyGroups = await listPartyGroups(deps.models, branch!._id);
          await ctx.replyCard(newStudyFormCard({ timeZone: deps.config.TZ, partyGroups }));
          return;
        }
        const study = await createAndAnnounceStudy(deps, branch!, {
          title: args.title,
          link: args.link,
          deadlineDate: args.deadline,
          hours: args.hours,
          scope: args.scope,
          partyGroup: args.partyGroup,
          createdBy: ctx.message.senderOpenId,
          sourceKey: `msg:${ctx.message.messageId}`,
        });
        await ctx.replyText(`已布置学习任务 ${study._id}「${study.title}」，学习卡片已发到支部群。`);
      },
    }),
    subcommand({
      ...common,
      name: "list",
      aliases: ["列表"],
      usage: ["/学习 列表", "/study list"],
      summary: "查看学习任务",
      permission: "member",
      args: noArguments,
      async run(ctx) {
        const studies = await listStudies(ctx.deps.models, ctx.branch!._id, { limit: 15 });
        await replyList(
          ctx,
          studies,
          { heading: "学习任务", empty: "本支部还没有学习任务。书记或支委可发送 /学习 新建。" },
          (s) =>
            `${s._id}　${s.title}　截止 ${formatStudyDeadline(s.deadline, ctx.deps.config.TZ)}　${s.hours} 学时（${s.status === "open" ? "进行中" : "已结束"}）`,
        );
      },
    }),
    subcommand({
      ...common,
      name: "show",
      aliases: ["查看"],
      usage: ["/学习 查看 <学习编号>", "/study show <id>"],
      summary: "查看谁已学习、何时、是否逾期（心得仅书记、支委可见）",
      permission: "member",
      args: studyIdOnly,
      async run(ctx, args) {
        const { deps } = ctx;
        const study = await studyOf(ctx, args.studyId);
        // 学习心得 are for the secretary and committee only, and only in a private chat: in the
        // group the reply has names and counts, and the reflections go to the asker privately.
        const committee = allowed("committee", ctx);
        const [data, details] = await Promise.all([
          studyCardData(deps.models, deps.clock, study, deps.config.TZ),
          studyDetails(deps.models, study, { withReflections: committee }),
        ]);
        const time = (d: Date) => formatStudyDeadline(d, deps.config.TZ);
        const summary = (withReflections: boolean) =>
          [
            `${study._id}「${study.title}」${study.hours} 学时，截止 ${time(study.deadline)}（${study.status === "open" ? "进行中" : "已结束"}）`,
            `已学习 ${data.confirmedCount} / ${data.expectedCount}`,
            ...details.confirmed.map(
              (row) =>
                `· ${row.name}　${time(row.confirmedAt)}${row.late ? "（逾期）" : ""}${withReflections && row.reflection ? `\n  心得：${row.reflection}` : ""}`,
            ),
            `未学习（${details.pending.length}）：${details.pending.map((p) => p.name).join("、") || "无"}`,
          ].join("\n");
        const inGroup = ctx.message.chatType !== "p2p";
        const hasReflections = committee && details.confirmed.some((row) => row.reflection);
        if (!inGroup || !hasReflections) {
          await ctx.replyText(summary(committee && !inGroup));
          return;
        }
        await ctx.replyText(`${summary(false)}\n学习心得已私信发给你。`);
        await sendPrivately(ctx, summary(true), `学习 ${study._id} 详情（私信）`);
      },
    }),
    subcommand({
      ...common,
      name: "remind",
      aliases: ["提醒"],
      usage: ["/学习 提醒 <学习编号>", "/study remind <id>"],
      summary: "在群里 @ 并私信提醒尚未学习的党员（书记、支委）",
      permission: "committee",
      args: studyIdOnly,
      async run(ctx, args) {
        const study = await studyOf(ctx, args.studyId);
        if (study.status !== "open") throw new UserError(`学习任务 ${study._id} 已结束，无需提醒。`);
        const count = await remindStudy(
          ctx.deps,
          study,
          `study:${study._id}:remind:manual:${ctx.message.messageId}`,
        );
        const offline =
          count.offline > 0 ? `另有 ${count.offline} 位未使用飞书的党员，已发给书记当面提醒。` : "";
        await ctx.replyText(
          count.online + count.offline === 0
            ? `学习任务 ${study._id} 的党员都已确认学习。`
            : count.online === 0
              ? `尚未学习的 ${count.offline} 位都是未使用飞书的党员，已发给书记当面提醒。`
              : `已提醒 ${count.online} 位尚未学习的党员（群内 @ 并私信）。${offline}`,
        );
      },
    }),
    subcommand({
      ...common,
      name: "close",
      aliases: ["结束"],
      usage: ["/学习 结束 <学习编号>", "/study close <id>"],
      summary: "结束学习任务（书记、支委）",
      permission: "committee",
      args: studyIdOnly,
      async run(ctx, args) {
        const study = await closeStudyAndReminders(ctx.deps, (await studyOf(ctx, args.studyId))._id);
        await ctx.replyText(`学习任务 ${study._id}「${study.title}」已结束，卡片已更新。`);
      },
    }),
  ],
};
