import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import mongoose from "mongoose";
import { startLocalDb } from "../../src/db/localServer.js";
import { createModels, syncIndexes } from "../../src/db/models/index.js";

const dataDir = mkdtempSync(path.join(tmpdir(), "zhibu-prof-"));
const db = await startLocalDb({ dataDir });
const conn = mongoose.createConnection(db.uri, { dbName: "prof", monitorCommands: true, maxIdleTimeMS: 60000 });
await conn.asPromise();
const models = createModels(conn);
await syncIndexes(models);
const stats = new Map<string, number[]>();
conn.getClient().on("commandSucceeded", (e) => {
  const list = stats.get(e.commandName) ?? [];
  list.push(e.duration);
  stats.set(e.commandName, list);
});
async function phase(label: string, fn: (i: number) => Promise<unknown>) {
  stats.clear();
  const t = performance.now();
  await Promise.all(Array.from({ length: 200 }, (_, i) => fn(i)));
  const ms = performance.now() - t;
  const s = [...stats].map(([k, v]) => `${k}×${v.length} avg ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(1)}`);
  console.log(`${label.padEnd(40)} ${ms.toFixed(0)} ms total, ${(ms / 200).toFixed(2)} ms/op  ${s.join(", ")}`);
}
for (let i = 0; i < 200; i++) await models.Member.create({ branchId: "B1", openId: `ou_${i}`, name: `n${i}` });
await models.Meeting.create({ _id: "M1", seq: 1, branchId: "B1", chatId: "c", type: "other", title: "t", startAt: new Date(Date.now() + 1e9), durationMin: 60, status: "scheduled", createdBy: "x", sourceKey: "s" });
for (let r = 0; r < 2; r++) {
await phase("raw insertOne", (i) => conn.collection("raw").insertOne({ i, r }));
await phase("InboundEvent.create", (i) => models.InboundEvent.create({ _id: `card:${r}:${i}`, kind: "card", status: "processing", receivedAt: new Date() }));
await phase("Meeting.findById lean", () => models.Meeting.findById("M1").lean());
await phase("Member.exists (scope)", (i) => models.Member.exists({ branchId: "B1", active: true, openId: `ou_${i}` }));
await phase("Attendance.updateOne $nor (miss)", (i) => models.Attendance.updateOne({ meetingId: `M${r}`, openId: `ou_${i}`, $nor: [{ response: "attend", reason: "" }] }, { $set: { response: "attend" } }));
await phase("Attendance.create", (i) => models.Attendance.create({ meetingId: `M${r}`, branchId: "B1", openId: `ou_${i}`, response: "attend" }));
await phase("InboundEvent.updateOne", (i) => models.InboundEvent.updateOne({ _id: `card:${r}:${i}` }, { $set: { status: "done", answer: { toast: { type: "success", content: "x" } } } }));
await phase("scopeMembers find (200 docs)", () => models.Member.find({ branchId: "B1", active: true }).sort({ _id: 1 }).lean());
}
await conn.close();
await db.stop();
