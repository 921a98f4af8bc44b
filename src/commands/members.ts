import { z } from "zod";
import { MEMBER_ROLES, type MemberRole } from "../db/models/member.js";
import { ROLE_NAMES, sendRoleOffer } from "../usecases/organisation.js";
import { listMembers, setPartyGroup, setRole, syncMembers } from "../domain/branches.js";
import { allowed } from "../domain/policy.js";
import { STATUS_ZH, statusOf } from "../domain/whoCounts.js";
import { syncCardNow } from "../usecases/roster.js";
import { rosterSubcommands } from "./roster.js";
import { commandInput, noArguments } from "./args.js";
import { contactSubcommand } from "./contacts.js";
import { subcommand, type CommandFamily } from "./types.js";
import { rosterImportSubcommands } from "./rosterImport.js";

const ROLE_WORDS: Record<string, MemberRole> = {
  secretary: "secretary",
  书记: "secretary",
  committee: "committee",
  支委: "committee",
  委员: "committee",
  member: "member",
  党员: "member",
};

export const membersCommands: CommandFamily = {
  name: "members",
  aliases: ["党员"],
  summary: "支部党员名册",
  defaultSubcommand: "list",
  subcommands: [
    subcommand({
      name: "list",
      aliases: ["列表"],
      usage: ["/党员 [列表]", "/members [list]"],
      summary: "查看支部党员名册",
      permission: "member",
      needsBranch: true,
      chat: "any",
      args: noArguments,
      async run(ctx) {
        const members = await listMembers(ctx.deps.models, ctx.branch!._id);
        // Where someone is transferring to is theirs: the group sees 转出中, the 支委 privately more.
        const transferDetails = ctx.message.chatType === "p2p" && allowed("committee", ctx);
        const transfer = (out: NonNullable<(typeof members)[number]["transferOut"]>) =>
          transferDetails ? `　转出中（${out.id} → ${out.to}）` : "　转出中";
        const line = (m: (typeof members)[number]) =>
          `${m.name || m.openId}　${ROLE_NAMES[m.role].zh}　${STATUS_ZH[statusOf(m)]}` +
          `${m.partyGroup ? `　${m.partyGroup}` : ""}${m.onFeishu === false ? "　无飞书账号" : ""}` +
          `${m.transferOut ? transfer(m.transferOut) : ""}`;
        const waiting = members.filter((m) => statusOf(m) === "unconfirmed");
        const party = members.filter(
          (m) => ["full", "probationary"].includes(statusOf(m)) && !m.transferOut,
        ).length;
        const head = `「${ctx.branch!.name}」在册党员 ${members.length} 人（其中正式、预备党员 ${party} 人）：`;
        // The secretary sees who still waits for a status first.
        const secretary = ctx.member?.role === "secretary";
        const lines = secretary
          ? [
              ...(waiting.length > 0
                ? [
                    `待确认 ${waiting.length} 人（不计入任何统计，请用 /党员 身份 @某人 <身份> 确认）：`,
                    ...waiting.map(line),
                    "——",
                  ]
                : []),
              ...members.filter((m) => statusOf(m) !== "unconfirmed").map(line),
            ]
          : members.map(line);
        await ctx.replyText(`${head}\n${lines.join("\n")}`);
      },
    }),
    subcommand({
      name: "sync",
      aliases: ["同步"],
      usage: ["/党员 同步", "/members sync"],
      summary: "从本群成员导入党员名册（离群者设为不在册）",
      permission: "secretary",
      needsBranch: true,
      chat: "group",
      args: noArguments,
      async run(ctx) {
        const chatMembers = await ctx.deps.lark.listChatMembers(ctx.message.chatId);
        const result = await syncMembers(ctx.deps.models, ctx.branch!._id, chatMembers, ctx.deps.clock.now());
        const kept = result.keptSecretaries.map((m) => m.name || m.openId).join("、");
        const summary =
          `名册已同步：在册 ${result.total} 人，新增 ${result.added} 人，离群转为不在册 ${result.deactivated} 人。` +
          (kept
            ? `\n书记 ${kept} 已不在本群，但支部至少需要一名书记，暂保留为在册书记：请先用 /角色 @某人 书记 任命新书记（本人确认后生效），再同步。`
            : "");
        // Anyone waiting (待确认, or a name matching a person on no chat): the one card, which only
        // a secretary can act on; it shows names only, never the statuses given.
        const card = await syncCardNow(ctx.deps, ctx.branch!, result.matches, summary);
        if (card) await ctx.replyCard(card);
        else await ctx.replyText(summary);
      },
    }),
    subcommand({
      name: "group",
      aliases: ["分组"],
      usage: ["/党员 分组 <党小组名> @党员…", "/members group <group name> @member…"],
      summary: "把党员分入党小组",
      permission: "secretary",
      needsBranch: true,
      chat: "group",
      args: commandInput.transform((input, ctx) => {
        const name = input.positional.join(" ").trim();
        if (!name || name.length > 30)
          ctx.addIssue({ code: "custom", message: "请写党小组名称（30 字以内）" });
        if (input.mentions.length === 0) ctx.addIssue({ code: "custom", message: "请 @ 要分入该组的党员" });
        return { name, openIds: input.mentions.map((m) => m.openId) };
      }),
      async run(ctx, args) {
        await setPartyGroup(ctx.deps.models, ctx.branch!._id, args.name, args.openIds);
        await ctx.replyText(`已将 ${args.openIds.length} 人分入党小组「${args.name}」。`);
      },
    }),
    contactSubcommand,
    ...rosterImportSubcommands,
    ...rosterSubcommands,
  ],
};

export const roleCommands: CommandFamily = {
  name: "role",
  aliases: ["角色"],
  summary: "设置党员在支部中的角色",
  subcommands: [
    subcommand({
      name: "",
      aliases: [],
      usage: ["/角色 @某人 书记|支委|党员", "/role @someone secretary|committee|member"],
      summary: "设置角色（书记）：任命书记、支委须本人私信确认后生效，降为党员立即生效",
      permission: "secretary",
      needsBranch: true,
      chat: "any",
      args: commandInput.transform((input, ctx) => {
        const role = ROLE_WORDS[(input.positional[0] ?? "").toLowerCase()];
        if (input.mentions.length !== 1) ctx.addIssue({ code: "custom", message: "请 @ 一位党员" });
        if (!role || input.positional.length !== 1) {
          ctx.addIssue({ code: "custom", message: `角色须为 ${MEMBER_ROLES.join("|")} 或 书记|支委|党员` });
          return z.NEVER;
        }
        return { mention: input.mentions[0]!, role };
      }),
      async run(ctx, args) {
        const { deps, branch } = ctx;
        const who = args.mention.name || args.mention.openId;
        const change = await setRole(deps.models, branch!._id, args.mention.openId, args.role, {
          by: ctx.message.senderOpenId,
          now: deps.clock.now(),
        });
        if (change.kind === "offered") {
          // Idempotent: the card is keyed by the offer, so asking again sends nothing new.
          await sendRoleOffer(deps, branch!, args.mention.openId, change.pending);
          await ctx.replyText(
            change.created
              ? `已请 ${who} 确认${ROLE_NAMES[args.role].zh}任命（确认卡片已私信发送），本人接受后生效；在此之前其角色不变。`
              : `已向 ${who} 发出${ROLE_NAMES[args.role].zh}任命，待其本人确认。`,
          );
          return;
        }
        await ctx.replyText(
          change.kind === "unchanged"
            ? `${who} 已是${ROLE_NAMES[args.role].zh}。`
            : `已将 ${who} 设为${ROLE_NAMES[args.role].zh}。`,
        );
      },
    }),
  ],
};
