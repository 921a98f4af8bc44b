import { z } from "zod";
import { DEFAULT_BIRTHDAY_HOUR, parseReminderOffsets } from "../config/reminders.js";
import { DEFAULT_TRANSFER_LETTER_DAYS, MAX_TRANSFER_LETTER_DAYS } from "../config/transfers.js";

const openIdList = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean),
  );

const larkDomain = z
  .string()
  .default("feishu")
  .refine((value) => value === "feishu" || value === "lark" || /^https?:\/\/[^\s]+$/.test(value), {
    message: "expected feishu, lark, or an http(s) base URL",
  })
  .transform((value) =>
    value === "feishu"
      ? "https://open.feishu.cn"
      : value === "lark"
        ? "https://open.larksuite.com"
        : value.replace(/\/+$/, ""),
  );

/** A non-empty string; `what` says where to find it. */
const required = (what: string) => z.string({ error: what }).min(1, what);

export const configSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    LARK_APP_ID: required("required: the app id from the Lark developer console (cli_…)").regex(
      /^cli_[0-9a-f]{16}$/i,
      "expected cli_ followed by 16 hex characters, as shown in 凭证与基础信息 (e.g. cli_a1b2c3d4e5f60789)",
    ),
    LARK_APP_SECRET: required("required: the app secret from the Lark developer console"),
    // Webhook mode only (checked below): the long connection is authenticated by the app secret.
    LARK_ENCRYPT_KEY: z.string().default(""),
    LARK_VERIFICATION_TOKEN: z.string().default(""),
    LARK_DOMAIN: larkDomain,
    LARK_TRANSPORT: z.enum(["webhook", "ws"]).default("webhook"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    MONGODB_URI: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, "expected a mongodb:// or mongodb+srv:// URI")
      .optional(),
    ZHIBU_DATA_DIR: z.string().default("./data"),
    TZ: z
      .string()
      .default("Asia/Shanghai")
      .refine((zone) => {
        try {
          new Intl.DateTimeFormat("en-US", { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      }, "expected an IANA time zone such as Asia/Shanghai"),
    ZHIBU_ADMINS: openIdList,
    ZHIBU_MEETING_REMINDERS: z
      .string()
      .default("24h,1h")
      .transform((text, ctx) => {
        try {
          return parseReminderOffsets(text);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
          return z.NEVER;
        }
      }),
    /** When set, GET /metrics requires `Authorization: Bearer <this token>`. */
    ZHIBU_METRICS_TOKEN: z.string().trim().min(16, "expected at least 16 characters").optional(),
    /** Names this process's slot on its leases (default `<hostname>:<PORT>`; see src/instance.ts). */
    ZHIBU_INSTANCE_ID: z.string().trim().max(200).optional(),
    ZHIBU_INSTANCES: z.coerce
      .number({ error: "expected the number of bot instances sharing the app's send budget" })
      .int()
      .min(1)
      .default(1),
    /** AES-256-GCM key for members' incomes (the dues base): 64 hex characters or base64 of 32 bytes. */
    ZHIBU_DUES_KEY: z
      .string()
      .optional()
      .refine(
        (text) =>
          text === undefined || /^[0-9a-fA-F]{64}$/.test(text) || Buffer.from(text, "base64").length === 32,
        "expected 32 bytes: 64 hex characters or base64 (e.g. `openssl rand -hex 32`)",
      ),
    /** A JSON file overriding the dues rule table (config/dues.ts). */
    ZHIBU_DUES_RULES_FILE: z.string().optional(),
    /** A JSON file switching off or changing rows of the 发展党员 time rules (config/development.ts). */
    ZHIBU_DEVELOPMENT_RULES_FILE: z.string().optional(),
    /** Days an introduction letter of a transfer (组织关系介绍信) is valid (config/transfers.ts). */
    ZHIBU_TRANSFER_LETTER_DAYS: z.coerce
      .number({ error: `expected a number of days, 1–${MAX_TRANSFER_LETTER_DAYS}` })
      .int()
      .min(1)
      .max(MAX_TRANSFER_LETTER_DAYS)
      .default(DEFAULT_TRANSFER_LETTER_DAYS),
    /** A JSON file switching off or changing rows of the 支部体检 rules (config/branchHealth.ts). */
    ZHIBU_HEALTH_RULES_FILE: z.string().optional(),
    /** Day of the month on which unpaid members are reminded of their dues. */
    ZHIBU_DUES_REMINDER_DAY: z.coerce
      .number({ error: "expected a day of the month, 1–28" })
      .int()
      .min(1)
      .max(28)
      .default(10),
    /** Local hour (0–23) at which 政治生日 greetings are sent. */
    ZHIBU_BIRTHDAY_HOUR: z.coerce
      .number({ error: "expected an hour of the day, 0–23" })
      .int()
      .min(0)
      .max(23)
      .default(DEFAULT_BIRTHDAY_HOUR),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .superRefine((env, ctx) => {
    if (env.LARK_TRANSPORT === "webhook") {
      if (!env.LARK_ENCRYPT_KEY)
        ctx.addIssue({
          code: "custom",
          path: ["LARK_ENCRYPT_KEY"],
          message:
            "required in webhook mode: the Encrypt Key of Events & Callbacks (signature checks are never off)",
        });
      if (!env.LARK_VERIFICATION_TOKEN)
        ctx.addIssue({
          code: "custom",
          path: ["LARK_VERIFICATION_TOKEN"],
          message: "required in webhook mode: the Verification Token of Events & Callbacks",
        });
    }
    if (env.NODE_ENV === "production" && !env.MONGODB_URI) {
      ctx.addIssue({
        code: "custom",
        path: ["MONGODB_URI"],
        message: "required when NODE_ENV=production (the embedded local database is for development only)",
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** Parses the environment once; the error names every bad variable and what it expects. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "env"}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

/**
 * With no Lark app configured (LARK_APP_ID and LARK_APP_SECRET unset or empty) and not in
 * production, `npm start` starts the playground (src/playground/) instead of the bot. A half-filled
 * app (a secret without its id) is a mistake: the configuration error names what is missing.
 */
export function wantsPlayground(env: NodeJS.ProcessEnv): boolean {
  return !env.LARK_APP_ID && !env.LARK_APP_SECRET && env.NODE_ENV !== "production";
}
