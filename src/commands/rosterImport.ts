import { buildRosterTemplate, readRosterWorkbook, WorkbookError } from "../files/rosterWorkbook.js";
import { rosterImportCard } from "../cards/rosterImport.js";
import { diffRoster, loadRoster, savePendingImport, validateRows } from "../domain/rosterImport.js";
import { STATUS_ZH, statusOf } from "../domain/whoCounts.js";
import { UserError } from "../domain/errors.js";
import { noArguments } from "./args.js";
import { subcommand, type CommandContext } from "./types.js";

/** Files larger than this are refused (Lark allows 100 MB; a roster of thousands is far below). */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

const day = (date: Date | null | undefined) => (date ? new Date(date).toISOString().slice(0, 10) : "");

/** The roster file: a secretary's file message in the private chat, read, validated and previewed. */
async function importFile(ctx: CommandContext) {
  const { deps, message, branch } = ctx;
  const file = message.file;
  if (!file) {
    await ctx.replyText(
      "请在与机器人的私聊中直接发送填好的名册 Excel 文件（.xlsx），可先用 /党员 模板 获取模板。",
    );
    return;
  }
  if (!/\.xlsx$/i.test(file.fileName)) {
    throw new UserError("只能导入 Excel 的 .xlsx 文件（/党员 模板 可获取模板）。");
  }
  const download = await deps.lark.downloadMessageFile(message.messageId, file.fileKey, MAX_IMPORT_BYTES);
  if (download.kind === "too-large")
    throw new UserError("文件超过 5 MB，无法导入；请删去无关的工作表或分批导入。");
  let read;
  try {
    read = await readRosterWorkbook(download.data);
  } catch (error) {
    if (error instanceof WorkbookError) throw new UserError(error.message);
    throw error;
  }
  const { rows, errors } = validateRows(read.headers, read.rows);
  const importId = `imp_${message.messageId}`;
  const plan = diffRoster(rows, errors, await loadRoster(deps.models, branch!._id), importId);
  const doc = await savePendingImport(deps.models, {
    importId,
    branchId: branch!._id,
    by: message.senderOpenId,
    fileName: file.fileName,
    plan,
    now: deps.clock.now(),
  });
  await ctx.replyCard(
    rosterImportCard({
      importId,
      fileName: doc.fileName,
      state: doc.state,
      ops: doc.ops as never,
      errors: doc.errors,
      missing: doc.missing,
      unchanged: doc.unchanged,
    }),
  );
}

/** `/党员 模板` and `/党员 导入` (the file message), added to the 党员 family. */
export const rosterImportSubcommands = [
  subcommand({
    name: "template",
    aliases: ["模板"],
    usage: ["/党员 模板", "/members template"],
    summary: "获取名册 Excel 模板（含现有名册），填好后私聊发送给机器人导入（书记，私聊）",
    permission: "secretary",
    needsBranch: true,
    chat: "p2p",
    args: noArguments,
    async run(ctx) {
      const { deps, branch } = ctx;
      const members = await deps.models.Member.find({ branchId: branch!._id, active: true })
        .sort({ name: 1 })
        .lean();
      const buffer = await buildRosterTemplate(
        members.map((m) => ({
          openId: m.openId,
          name: m.name ?? "",
          status: statusOf(m) === "unconfirmed" ? "" : STATUS_ZH[statusOf(m)],
          partyGroup: m.partyGroup ?? "",
          gender: m.profile?.gender ?? "",
          ethnicity: m.profile?.ethnicity ?? "",
          birthMonth: m.profile?.birthMonth ?? "",
          education: m.profile?.education ?? "",
          joinedAt: day(m.profile?.joinedAt),
          fullAt: day(m.profile?.fullAt),
          partyPost: m.profile?.partyPost ?? "",
          phone: m.profile?.phone ?? "",
        })),
      );
      const fileKey = await deps.lark.uploadFile(`名册模板-${branch!.name}.xlsx`, buffer, "xls");
      await ctx.replyFile(fileKey);
    },
  }),
  subcommand({
    name: "import",
    aliases: ["导入"],
    usage: ["在私聊中发送填好的名册 .xlsx 文件", "send the filled roster .xlsx in the private chat"],
    summary: "导入名册：私聊发送填好的模板，预览后确认（书记）",
    permission: "secretary",
    needsBranch: true,
    chat: "p2p",
    args: noArguments,
    run: importFile,
  }),
];
