import js from "@eslint/js";
import tseslint from "typescript-eslint";

const SDK = ["@larksuiteoapi/*"];
/** The playground (npm start without a Lark app): started by src/main.ts only, never a dependency of the bot. */
const PLAYGROUND = ["**/playground/**"];
/** Transport, Koa, sending and the adapters: what views and rules must not reach. */
const SENDING = ["koa", "@koa/*", "**/lark/**", "**/delivery/**", "**/commands/**", "**/actions/**"];

/** Forbids the files of one layer to import any of `forbid`. */
function layer({ files, ignores = [], forbid, message }) {
  return {
    files,
    ignores,
    rules: { "no-restricted-imports": ["error", { patterns: [{ group: forbid, message }] }] },
  };
}

export default tseslint.config(
  { ignores: ["node_modules", "data", "dist", ".venv", "coverage"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Chinese text uses the ideographic space (U+3000) to align columns.
      "no-irregular-whitespace": ["error", { skipStrings: true, skipTemplates: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // The layers (docs/ARCHITECTURE.md): only src/lark/ talks to the SDK; the domain knows nothing
  // of transport, Koa, cards, presenters, delivery or the adapters; cards are pure.
  layer({
    files: ["src/**/*.ts"],
    ignores: ["src/lark/**", "src/playground/**", "src/main.ts"],
    forbid: [...SDK, ...PLAYGROUND],
    message: "Only src/lark/ imports the Lark SDK; only src/main.ts starts the playground.",
  }),
  layer({
    files: ["src/playground/**/*.ts", "src/main.ts"],
    forbid: SDK,
    message: "Only src/lark/ imports the Lark SDK.",
  }),
  layer({
    files: ["src/lark/**/*.ts"],
    forbid: PLAYGROUND,
    message: "Only src/main.ts starts the playground.",
  }),
  layer({
    files: ["src/domain/**/*.ts"],
    forbid: [
      ...SDK,
      ...PLAYGROUND,
      ...SENDING,
      "**/cards/**",
      "**/presenters/**",
      "**/usecases/**",
      "**/jobs/**",
      "**/app.js",
      "**/bot.js",
    ],
    message: "The domain is plain TypeScript: rules and data only (see docs/ARCHITECTURE.md).",
  }),
  layer({
    files: ["src/cards/**/*.ts", "src/presenters/**/*.ts"],
    forbid: [...SDK, ...PLAYGROUND, ...SENDING],
    message: "Cards and presenters turn data into views; they send nothing (see docs/ARCHITECTURE.md).",
  }),
  // The playground's page: plain ES modules run by the browser.
  {
    files: ["src/playground/web/**/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: Object.fromEntries(
        [
          "window",
          "document",
          "fetch",
          "localStorage",
          "URLSearchParams",
          "Intl",
          "FileReader",
          "CSS",
          "console",
          "setTimeout",
          "setInterval",
          "requestAnimationFrame",
          "structuredClone",
        ].map((name) => [name, "readonly"]),
      ),
    },
  },
  {
    files: ["scripts/**", "*.js", "*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
