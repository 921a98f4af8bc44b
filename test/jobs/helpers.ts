import { DEFAULT_DUES_RULES } from "../../config/dues.js";
import type { AppDeps } from "../../src/deps.js";
import { fixedClock } from "../../src/domain/clock.js";
import { createMeeting, type CreateMeetingInput } from "../../src/domain/meetings.js";
import type { Meeting } from "../../src/db/models/meeting.js";
import type { OutboxItem } from "../../src/db/models/outbox.js";
import type { LarkApi } from "../../src/lark/types.js";
import { createLogger } from "../../src/logger.js";
import { testConfig } from "../helpers/config.js";
import type { TestDb } from "../helpers/db.js";

/** Jobs write to the outbox and never call Lark: every method throws. */
const forbiddenLark: LarkApi = {
  send: () => Promise.reject(new Error("jobs must not call lark.send")),
  reply: () => Promise.reject(new Error("jobs must not call lark.reply")),
  patchCard: () => Promise.reject(new Error("jobs must not call lark.patchCard")),
  listChatMembers: () => Promise.reject(new Error("jobs must not call lark.listChatMembers")),
  getChatOwner: () => Promise.reject(new Error("jobs must not call lark.getChatOwner")),
  uploadFile: () => Promise.reject(new Error("jobs must not call lark.uploadFile")),
  downloadMessageFile: () => Promise.reject(new Error("jobs must not call lark.downloadMessageFile")),
};

export type TestClock = ReturnType<typeof fixedClock>;

export function jobDeps(db: TestDb, clock: TestClock): AppDeps {
  const logger = createLogger("silent");
  return {
    config: testConfig(),
    models: db.models,
    lark: forbiddenLark,
    clock,
    logger,
    // Jobs only write to the outbox; the worker that sends it is tested on its own.
    delivery: { wake: () => undefined, idle: async () => undefined, refreshCard: () => undefined },
    dues: { rules: DEFAULT_DUES_RULES, box: null },
  };
}

let keys = 0;

/**
 * A meeting created through the domain at `createdAt` (the model's own timestamp uses the real
 * time, so it is set afterwards to the clock's).
 */
export async function meetingCreatedAt(
  db: TestDb,
  createdAt: string,
  input: Partial<CreateMeetingInput> & Pick<CreateMeetingInput, "startAt">,
): Promise<Meeting> {
  const { meeting } = await createMeeting(db.models, fixedClock(createdAt), {
    branchId: "B1",
    chatId: "oc_b1",
    type: "branch-assembly",
    title: "十一月党员大会",
    createdBy: "ou_sec",
    sourceKey: `om_job_${++keys}`,
    ...input,
  });
  await db.connection
    .db!.collection<{ _id: string }>("meetings")
    .updateOne({ _id: meeting._id }, { $set: { createdAt: new Date(createdAt) } });
  return meeting;
}

export async function outboxItems(db: TestDb, filter: Record<string, unknown> = {}): Promise<OutboxItem[]> {
  return db.models.Outbox.find(filter).sort({ createdAt: 1, _id: 1 }).lean<OutboxItem[]>();
}

/** The open ids mentioned in a text message. */
export function mentioned(text: string): string[] {
  return [...text.matchAll(/<at user_id="([^"]+)"><\/at>/g)].map((m) => m[1] ?? "");
}

/** The text of an outbox message item. */
export function textOf(item: { content?: unknown } | undefined): string {
  return (item?.content as { text: string }).text;
}
