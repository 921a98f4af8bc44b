import type { Models } from "../db/models/index.js";
import type { Member, MemberStatus } from "../db/models/member.js";
import type { Transfer } from "../db/models/transfer.js";
import type { Clock } from "./clock.js";
import { UserError } from "./errors.js";
import { findMembersByName, memberNameSchema, newOfflineKey } from "./roster.js";
import { insertTransfer, notInFuture, today } from "./transfers.js";

/**
 * /转入: someone arriving from outside this deployment with their letter, put on the roster with
 * their status and dates (a name is a person on no chat; a mention someone on Feishu, possibly
 * already 待确认 from a sync). A second run of the same command writes the same thing.
 */

export interface TransferInInput {
  branchId: string;
  /** Someone on Feishu (mentioned), else a person on no chat by name. */
  person: { openId: string; name: string } | { byName: string };
  place: string;
  letterNo: string;
  joinedAt: Date | null;
  fullAt: Date | null;
  status: MemberStatus | null;
  duesPaidTo: string | null;
  timeZone: string;
  by: string;
  sourceKey: string;
}

/** The status of someone arriving: as given, else 正式 with a 转正日期 or no dates, 预备 with only 入党日期. */
function arrivingStatus(input: TransferInInput): MemberStatus {
  const status = input.status ?? (input.joinedAt && !input.fullAt ? "probationary" : "full");
  if (status !== "full" && status !== "probationary") throw new UserError("转入者须为正式党员或预备党员。");
  if (status === "probationary" && input.fullAt) throw new UserError("预备党员没有转正日期。");
  if (input.joinedAt && input.fullAt && input.fullAt.getTime() < input.joinedAt.getTime())
    throw new UserError("转正日期不能早于入党日期。");
  return status;
}

/** Records someone arriving from outside the deployment and puts them on the roster with their dates. */
export async function transferIn(
  models: Models,
  clock: Clock,
  input: TransferInInput,
): Promise<{ transfer: Transfer; member: Member; created: boolean }> {
  const status = arrivingStatus(input);
  for (const [day, what] of [
    [input.joinedAt, "入党日期"],
    [input.fullAt, "转正日期"],
  ] as const)
    if (day) notInFuture(day, clock, input.timeZone, what);
  let transfer = await models.Transfer.findOne({ sourceKey: input.sourceKey }).lean<Transfer>();
  let created = false;
  if (!transfer) {
    const onFeishu = !("byName" in input.person);
    const name = "byName" in input.person ? memberNameSchema.parse(input.person.byName) : input.person.name;
    const openId = "byName" in input.person ? newOfflineKey() : input.person.openId;
    const present = onFeishu
      ? await models.Member.findOne({ branchId: input.branchId, openId, active: true }).lean<Member>()
      : ((await findMembersByName(models, input.branchId, name))[0] ?? null);
    if (present && present.status !== "unconfirmed")
      throw new UserError(`名册中已有「${present.name || name}」。`);
    ({ transfer, created } = await insertTransfer(models, {
      branchId: input.branchId,
      direction: "in",
      openId,
      name,
      place: input.place,
      toBranchId: null,
      letterNo: input.letterNo,
      issuedAt: today(clock, input.timeZone),
      validUntil: null,
      duesPaidTo: input.duesPaidTo,
      state: "arrived",
      receiptAt: null,
      decidedBy: null,
      decidedAt: null,
      by: input.by,
      sourceKey: input.sourceKey,
    }));
  }
  const t = transfer;
  const since = input.fullAt ?? input.joinedAt ?? t.issuedAt;
  const existing = await models.Member.findOne({ branchId: t.branchId, openId: t.openId }).lean<Member>();
  const reason = `转入（自 ${t.place}）${t._id}`;
  const history = [
    ...(existing?.statusHistory ?? []).filter((entry) => entry.reason !== reason),
    { status, since, by: t.by, at: new Date(t.createdAt as Date), reason },
  ];
  await models.Member.updateOne(
    { branchId: t.branchId, openId: t.openId },
    {
      $set: {
        name: t.name,
        active: true,
        leftAt: null,
        status,
        statusSince: since,
        statusHistory: history,
        "profile.joinedAt": input.joinedAt ?? existing?.profile?.joinedAt ?? null,
        "profile.fullAt": input.fullAt ?? existing?.profile?.fullAt ?? null,
        onFeishu: !t.openId.startsWith("offline_"),
        transferOut: null,
        transferIn: { id: t._id, from: t.place, at: t.issuedAt, duesPaidTo: t.duesPaidTo },
      },
      $setOnInsert: { role: "member", partyGroup: null },
    },
    { upsert: true },
  );
  const member = (await models.Member.findOne({ branchId: t.branchId, openId: t.openId }).lean<Member>())!;
  return { transfer: t, member, created };
}
