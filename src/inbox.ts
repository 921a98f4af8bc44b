import { randomUUID } from "node:crypto";
import { runCommand } from "./commands/run.js";
import { isDuplicateKeyError, trusted } from "./db/connection.js";
import type { InboundEvent } from "./db/models/inboundEvent.js";
import { enqueueReply } from "./delivery/outbox.js";
import type { AppDeps } from "./deps.js";
import type { IncomingMessage } from "./lark/types.js";

const MAX_ATTEMPTS = 3;
const RETRY_DELAYS_MS = [1_000, 10_000];
/**
 * A claim is a lease of this length, renewed every third of it while the command runs: an item
 * still "processing" after its lease lapsed belongs to a dead instance and is taken over.
 */
export const INBOX_LEASE_MS = 45_000;
/** How often each instance sweeps the inbox for lapsed leases and due retries. */
export const INBOX_SWEEP_MS = 15_000;
/** Commands older than this are not worth running after a restart. */
const RECOVERY_WINDOW_MS = 60 * 60_000;

/** The command words of a message (never its arguments, which may be private), for /reminders. */
function commandSummary(text: string): string {
  return text
    .trim()
    .split(/\s+/)
    .slice(0, 2)
    .map((word) => word.slice(0, 20))
    .join(" ");
}

/**
 * The inbox of commands: every command message is stored, then run under a renewed lease, retried
 * after a failure and taken over by any instance once its holder died. Messages are answered 200
 * at once and run after the answer, so nothing is lost when a command fails or the process dies.
 */
export function createInbox(deps: AppDeps, options: { owner?: string } = {}) {
  const { models, logger, clock } = deps;
  /** This process on its inbox leases (src/instance.ts); each claim adds `#<random>`. */
  const processOwner = options.owner ?? `process/${randomUUID()}`;
  const running = new Set<Promise<void>>();
  /** Inbox items this instance is running or will retry (the sweep leaves them alone). */
  const mine = new Set<string>();
  let sweeper: NodeJS.Timeout | undefined;

  // A command may carry an income (/党费 设置 … 8500): with a dues key the stored text is sealed.
  const sealText = (message: IncomingMessage) =>
    deps.dues.box ? { ...message, text: deps.dues.box.seal(message.text), sealed: true } : message;
  const openText = ({ sealed, ...stored }: IncomingMessage & { sealed?: boolean }): IncomingMessage => ({
    ...stored,
    text: sealed && deps.dues.box ? deps.dues.box.open(stored.text) : stored.text,
    createdAt: new Date(stored.createdAt),
  });

  const track = (work: Promise<void>) => {
    running.add(work);
    void work.finally(() => running.delete(work));
  };

  /**
   * Stores a command message (its text sealed when it may carry an income) and runs it after the
   * answer. False when the message was stored already: a redelivery, answered with nothing more.
   */
  async function accept(message: IncomingMessage): Promise<boolean> {
    try {
      await models.InboundEvent.create({
        _id: `msg:${message.messageId}`,
        kind: "message",
        payload: sealText(message),
        chatId: message.chatId,
        summary: commandSummary(message.text),
        receivedAt: clock.now(),
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return false;
    }
    track(processMessage(`msg:${message.messageId}`));
    return true;
  }

  /**
   * Leases an inbox item (compare-and-set, so one instance runs it), runs it while a heartbeat
   * renews the lease, records the outcome. Effects are idempotent and replies are keyed by the
   * message id, so a command resumed after a crash writes only what is missing.
   */
  async function processMessage(id: string): Promise<void> {
    if (mine.has(id)) return;
    mine.add(id);
    try {
      await runClaimed(id);
    } finally {
      mine.delete(id);
    }
  }

  async function runClaimed(id: string): Promise<void> {
    const now = clock.now();
    const owner = `${processOwner}#${randomUUID()}`;
    const leaseEnd = () => new Date(clock.now().getTime() + INBOX_LEASE_MS);
    const claim = await models.InboundEvent.updateOne(
      {
        _id: id,
        attempts: trusted({ $lt: MAX_ATTEMPTS }),
        $or: [
          { status: "received", retryAt: null },
          { status: "received", retryAt: trusted({ $lte: now }) },
          { status: "processing", leaseUntil: trusted({ $lt: now }) },
          // Claimed before claims were leases.
          {
            status: "processing",
            leaseUntil: null,
            claimedAt: trusted({ $lt: new Date(now.getTime() - INBOX_LEASE_MS) }),
          },
        ],
      },
      {
        $set: { status: "processing", claimedAt: now, leaseUntil: leaseEnd(), owner, retryAt: null },
        $inc: { attempts: 1 },
      },
    );
    if (claim.modifiedCount !== 1) return;
    const ours = { _id: id, status: "processing" as const, owner };
    const heartbeat = setInterval(() => {
      models.InboundEvent.updateOne(ours, { $set: { leaseUntil: leaseEnd() } }).catch((error: unknown) =>
        logger.error({ err: error, inboxId: id }, "could not renew an inbox lease"),
      );
    }, INBOX_LEASE_MS / 3);
    heartbeat.unref();
    try {
      await runLeased(id, ours);
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function runLeased(
    id: string,
    ours: { _id: string; status: "processing"; owner: string },
  ): Promise<void> {
    const item = await models.InboundEvent.findById(id).lean();
    if (!item?.payload) return;
    const message = openText(item.payload as IncomingMessage & { sealed?: boolean });
    const log = logger.child({ eventId: message.eventId, messageId: message.messageId, kind: "command" });
    const started = Date.now();
    try {
      const outcome = await runCommand(deps, message);
      await models.InboundEvent.updateOne(ours, { $set: { status: "done" }, $unset: { payload: 1 } });
      log.info({ outcome, ms: Date.now() - started }, "event handled");
      deps.metrics?.events.inc({ kind: "command", outcome });
    } catch (error) {
      const attempts = item.attempts;
      const finalAttempt = attempts >= MAX_ATTEMPTS;
      const delay = RETRY_DELAYS_MS[attempts - 1] ?? 10_000;
      await models.InboundEvent.updateOne(ours, {
        $set: {
          status: finalAttempt ? "failed" : "received",
          error: String(error),
          retryAt: finalAttempt ? null : new Date(clock.now().getTime() + delay),
        },
      });
      log.error({ err: error, outcome: finalAttempt ? "failed" : "will-retry", attempts }, "event handled");
      deps.metrics?.events.inc({ kind: "command", outcome: finalAttempt ? "failed" : "will-retry" });
      if (finalAttempt) {
        await reportFailure(message).catch((e) => log.error({ err: e }, "could not report failure"));
      } else {
        track(new Promise((resolve) => setTimeout(resolve, delay)).then(() => processMessage(id)));
      }
    }
  }

  async function reportFailure(message: IncomingMessage) {
    await enqueueReply(deps, message, "failed", {
      text: "抱歉，这条命令处理失败（已重试），请稍后再发一次。如果一直失败，请联系管理员。",
    });
  }

  /**
   * Runs commands that were accepted but never finished: those whose lease lapsed (their instance
   * died) and those whose retry is due. Run at start and every INBOX_SWEEP_MS (start()); a lapsed
   * command with no attempt left is marked failed and its sender told.
   */
  async function sweep(): Promise<number> {
    const now = clock.now();
    const since = new Date(now.getTime() - RECOVERY_WINDOW_MS);
    const pending = await models.InboundEvent.find(
      {
        kind: "message",
        status: trusted({ $in: ["received", "processing"] }),
        receivedAt: trusted({ $gte: since }),
      },
      { _id: 1, status: 1, attempts: 1, leaseUntil: 1, retryAt: 1, claimedAt: 1, payload: 1 },
    ).lean<InboundEvent[]>();
    let taken = 0;
    for (const item of pending) {
      if (mine.has(item._id)) continue;
      const lapsed =
        item.status === "processing" &&
        (item.leaseUntil
          ? item.leaseUntil.getTime() < now.getTime()
          : (item.claimedAt?.getTime() ?? 0) < now.getTime() - INBOX_LEASE_MS);
      if (item.status === "processing" && !lapsed) continue;
      if (item.status === "received" && item.retryAt && item.retryAt.getTime() > now.getTime()) continue;
      if (lapsed && item.attempts >= MAX_ATTEMPTS) {
        track(giveUp(item));
        continue;
      }
      taken++;
      track(processMessage(item._id));
    }
    return taken;
  }

  /** A command whose instance died on its last attempt: failed, and its sender told once. */
  async function giveUp(item: InboundEvent): Promise<void> {
    const failed = await models.InboundEvent.updateOne(
      { _id: item._id, status: "processing", leaseUntil: item.leaseUntil ?? null, attempts: item.attempts },
      { $set: { status: "failed", error: "instance lost during the last attempt" } },
    );
    if (failed.modifiedCount !== 1 || !item.payload) return;
    const message = openText(item.payload as IncomingMessage & { sealed?: boolean });
    await reportFailure(message).catch((e) => logger.error({ err: e }, "could not report failure"));
  }

  return {
    accept,
    sweep,
    /** After a restart: the first sweep (kept for callers of the former name). */
    recover: sweep,
    /** Sweeps the inbox every `intervalMs` (lapsed leases, due retries). */
    start(intervalMs = INBOX_SWEEP_MS) {
      sweeper ??= setInterval(() => {
        sweep().catch((error: unknown) => logger.error({ err: error }, "inbox sweep failed"));
      }, intervalMs);
      sweeper.unref();
    },
    stop() {
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
    },
    /** Resolves when all commands started after an answer have finished (tests, graceful stop). */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
      await deps.delivery.idle();
    },
  };
}

export type Inbox = ReturnType<typeof createInbox>;
