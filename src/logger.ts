import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/** JSON logs, one line per event; secrets and message bodies are redacted wherever they appear. */
export function createLogger(level = "info", destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: "zhibu" },
      redact: {
        paths: [
          "*.app_secret",
          "*.encrypt",
          "*.authorization",
          "*.Authorization",
          "*.text",
          "*.content",
          "*.tenant_access_token",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
