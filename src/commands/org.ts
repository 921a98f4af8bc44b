import { z } from "zod";
import { sendJoinCards } from "../usecases/organisation.js";
import type { Organisation } from "../db/models/organisation.js";
import { UserError } from "../domain/errors.js";
import {
  addOrgSecretaries,
  branchesOfOrg,
  createOrg,
  findOrg,
  findOrgById,
  listOrgs,
  orgsOfSecretary,
  ORG_NAME_MAX,
  pendingRequests,
  removeOrgSecretaries,
} from "../domain/orgs.js";
import { askToJoin } from "./branch.js";
import { commandInput, noArguments } from "./args.js";
import { subcommand, type CommandContext, type CommandFamily } from "./types.js";

const orgName = commandInput.transform((input, ctx) => {
  const name = input.positional.join(" ").trim();
  if (!name || name.length > ORG_NAME_MAX || input.mentions.length > 0) {
    ctx.addIssue({ code: "custom", message: `请写组织名称（${ORG_NAME_MAX} 字以内）` });
    return z.NEVER;
  }
  return { name };
});

const orgAndPeople = commandInput.transform((input, ctx) => {
  const name = input.positional.join(" ").trim();
  if (!name || name.length > ORG_NAME_MAX)
    ctx.addIssue({ code: "custom", message: "请写组织名称或编号（如 O1）" });
  if (input.mentions.length === 0) ctx.addIssue({ code: "custom", message: "请 @ 至少一人" });
  return { name, people: input.mentions.map((m) => ({ openId: m.openId, name: m.name })) };
});

async function orgNamed(ctx: CommandContext, name: string): Promise<Organisation> {
  const org = await findOrg(ctx.deps.models, name);
  if (!org) throw new UserError(`没有名为「${name}」的组织。发送 /组织 列表 查看全部。`);
  return org;
}

/** The organisations the sender governs: every one for an admin, else those they are secretary of. */
async function governed(ctx: CommandContext): Promise<Organisation[]> {
  return ctx.isAdmin ? listOrgs(ctx.deps.models) : orgsOfSecretary(ctx.deps.models, ctx.message.senderOpenId);
}

export const orgCommands: CommandFamily = {
  name: "org",
  aliases: ["组织"],
  summary: "上级组织（党委、总支）：建立、书记、加入审批",
  defaultSubcommand: "list",
  subcommands: [
    subcommand({
      name: "list",
      aliases: ["列表"],
      usage: ["/组织 [列表]", "/org [list]"],
      summary: "查看上级组织及其支部（管理员、组织书记）",
      permission: "org",
      needsBranch: false,
      chat: "any",
      aboutBranch: false,
      args: noArguments,
      async run(ctx) {
        const orgs = await governed(ctx);
        if (orgs.length === 0) {
          await ctx.replyText("还没有上级组织。管理员可发送 /组织 新建 <名称> 建立。");
          return;
        }
        const lines: string[] = [];
        for (const org of orgs) {
          const branches = await branchesOfOrg(ctx.deps.models, org._id);
          lines.push(
            `${org.name}（${org._id}）　书记 ${org.secretaries.length} 人　支部 ${branches.length} 个` +
              (branches.length > 0 ? `：${branches.map((b) => b.name).join("、")}` : ""),
          );
        }
        await ctx.replyText(`上级组织 ${orgs.length} 个：\n${lines.join("\n")}`);
      },
    }),
    subcommand({
      name: "new",
      aliases: ["新建", "create"],
      usage: ["/组织 新建 <名称>", "/org new <name>"],
      summary: "建立一个上级组织（党委、总支）（管理员）",
      permission: "admin",
      needsBranch: false,
      chat: "any",
      aboutBranch: false,
      args: orgName,
      async run(ctx, args) {
        const { org, created, linked } = await createOrg(ctx.deps.models, {
          name: args.name,
          createdBy: ctx.message.senderOpenId,
        });
        // Branches that named it before it existed: their requests go to the deciders now.
        for (const branch of linked) await sendJoinCards(ctx.deps, branch, org, branch.orgRequest!);
        await ctx.replyText(
          (created
            ? `已建立上级组织「${org.name}」（编号 ${org._id}）。`
            : `上级组织「${org.name}」（编号 ${org._id}）已存在。`) +
            (linked.length > 0 ? `有 ${linked.length} 个支部此前申请加入它，审批卡片已发送。` : "") +
            `下一步：/组织 书记 ${org.name} @某人 指定其书记。`,
        );
      },
    }),
    subcommand({
      name: "secretary",
      aliases: ["书记"],
      usage: ["/组织 书记 <组织> @某人…", "/org secretary <organisation> @someone…"],
      summary: "指定上级组织的书记（可审批支部加入、查看组织统计）（管理员）",
      permission: "admin",
      needsBranch: false,
      chat: "any",
      aboutBranch: false,
      args: orgAndPeople,
      async run(ctx, args) {
        const org = await orgNamed(ctx, args.name);
        await addOrgSecretaries(
          ctx.deps.models,
          org._id,
          args.people.map((p) => p.openId),
        );
        // Requests waiting for this organisation: the new secretaries get their cards.
        const waiting = await pendingRequests(ctx.deps.models, [org._id]);
        const updated = (await findOrgById(ctx.deps.models, org._id))!;
        for (const branch of waiting) {
          for (const person of args.people) {
            await sendJoinCards(ctx.deps, branch, updated, branch.orgRequest!, person.openId);
          }
        }
        await ctx.replyText(
          `已指定 ${args.people.map((p) => p.name || p.openId).join("、")} 为「${org.name}」书记。` +
            (waiting.length > 0 ? `待审批的加入申请 ${waiting.length} 个，卡片已私信发送。` : ""),
        );
      },
    }),
    subcommand({
      name: "remove",
      aliases: ["免去", "免职"],
      usage: ["/组织 免去 <组织> @某人…", "/org remove <organisation> @someone…"],
      summary: "免去上级组织的书记（管理员）",
      permission: "admin",
      needsBranch: false,
      chat: "any",
      aboutBranch: false,
      args: orgAndPeople,
      async run(ctx, args) {
        const org = await orgNamed(ctx, args.name);
        await removeOrgSecretaries(
          ctx.deps.models,
          org._id,
          args.people.map((p) => p.openId),
        );
        await ctx.replyText(
          `已免去 ${args.people.map((p) => p.name || p.openId).join("、")} 的「${org.name}」书记。`,
        );
      },
    }),
    subcommand({
      name: "requests",
      aliases: ["申请", "审批"],
      usage: ["/组织 申请", "/org requests"],
      summary: "查看待审批的支部加入申请，并私信收到审批卡片（管理员、组织书记）",
      permission: "org",
      needsBranch: false,
      chat: "any",
      aboutBranch: false,
      args: noArguments,
      async run(ctx) {
        const orgs = await governed(ctx);
        const byId = new Map(orgs.map((o) => [o._id, o]));
        const waiting = await pendingRequests(ctx.deps.models, ctx.isAdmin ? null : [...byId.keys()]);
        if (waiting.length === 0) {
          await ctx.replyText("没有待审批的加入申请。");
          return;
        }
        const lines: string[] = [];
        for (const branch of waiting) {
          const request = branch.orgRequest!;
          const org = request.orgId ? byId.get(request.orgId) : undefined;
          if (org) await sendJoinCards(ctx.deps, branch, org, request, ctx.message.senderOpenId);
          lines.push(
            `「${branch.name}」（${branch._id}）→「${request.orgName}」` +
              (org ? "" : "（该组织尚未建立：管理员用 /组织 新建 建立后可审批）") +
              (request.migrated ? "（由旧的 上级= 设置转来）" : ""),
          );
        }
        await ctx.replyText(
          `待审批的加入申请 ${waiting.length} 个（审批卡片已私信发送）：\n${lines.join("\n")}`,
        );
      },
    }),
    subcommand({
      name: "join",
      aliases: ["加入"],
      usage: ["/组织 加入 <组织>", "/org join <organisation>"],
      summary: "申请本支部加入上级组织，待其书记审批（书记）",
      permission: "secretary",
      needsBranch: true,
      chat: "group",
      args: orgName,
      async run(ctx, args) {
        await ctx.replyText(await askToJoin(ctx, ctx.branch!, args.name));
      },
    }),
  ],
};
