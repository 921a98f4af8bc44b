import cluster from "node:cluster";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Models } from "./db/models/index.js";
import { trusted } from "./db/connection.js";

/**
 * Who holds a lease (inbox command or outbox send): `<instance id>/<process id>`.
 *
 * The instance id names a slot that at most one live process holds at a time: by default
 * `<hostname>:<PORT>`, since the HTTP server always listens on PORT and a second live process on
 * the same host cannot bind it. The process id is random per start. So, once this process has
 * bound its port, a claim written under its own instance id by another process id belongs to a
 * dead predecessor (the process this one restarts): `takeOverOwnClaims` ends those leases at once
 * instead of waiting for them to lapse, and a restart resumes within seconds. Claims of other
 * instance ids are never touched here: they are taken over only when their lease lapses (their
 * live owner renews it). Set ZHIBU_INSTANCE_ID when two live processes could share a hostname and
 * a port (containers given one fixed hostname); in a cluster worker (which shares its port with
 * the others) the id includes the pid, so it never takes over anything early.
 */
export interface ProcessIdentity {
  instanceId: string;
  /** `<instanceId>/<random>`: written on this process's leases. */
  owner: string;
}

export function processIdentity(config: { PORT: number; ZHIBU_INSTANCE_ID?: string }): ProcessIdentity {
  const base = config.ZHIBU_INSTANCE_ID || `${hostname()}:${config.PORT}`;
  const instanceId = cluster.isWorker ? `${base}:pid${process.pid}` : base;
  return { instanceId, owner: `${instanceId}/${randomUUID()}` };
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Ends the leases a dead predecessor under this instance id left (commands "processing", sends
 * "sending"), so the first sweep and drain take them over now. Call only once this process holds
 * its port (see ProcessIdentity). Each lease is ended by compare-and-set on its owner and lease,
 * and never one of this process's own. Returns how many leases were ended.
 */
export async function takeOverOwnClaims(models: Models, identity: ProcessIdentity): Promise<number> {
  const ours = trusted({ $regex: `^${escapeRegex(`${identity.instanceId}/`)}` });
  const mine = (owner: string | null | undefined) =>
    owner === identity.owner || Boolean(owner?.startsWith(`${identity.owner}#`));
  const lapsed = new Date(0);
  let ended = 0;
  const commands = await models.InboundEvent.find(
    { status: "processing", owner: ours },
    { _id: 1, owner: 1, leaseUntil: 1 },
  ).lean<{ _id: string; owner: string; leaseUntil: Date | null }[]>();
  for (const item of commands) {
    if (mine(item.owner)) continue;
    const result = await models.InboundEvent.updateOne(
      { _id: item._id, status: "processing", owner: item.owner, leaseUntil: item.leaseUntil ?? null },
      { $set: { leaseUntil: lapsed } },
    );
    ended += result.modifiedCount;
  }
  const sends = await models.Outbox.find(
    { status: "sending", owner: ours },
    { _id: 1, owner: 1, leaseUntil: 1 },
  ).lean<{ _id: string; owner: string; leaseUntil: Date | null }[]>();
  for (const item of sends) {
    if (mine(item.owner)) continue;
    const result = await models.Outbox.updateOne(
      { _id: item._id, status: "sending", owner: item.owner, leaseUntil: item.leaseUntil ?? null },
      { $set: { leaseUntil: lapsed } },
    );
    ended += result.modifiedCount;
  }
  return ended;
}
