import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
  {
    files: ["src/**/*.ts"],
    ignores: ["src/lark/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@larksuiteoapi/*"], message: "Only src/lark/ imports the Lark SDK." }] },
      ],
    },
  },
  {
    files: ["src/domain/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "@larksuiteoapi/*",
                "koa",
                "@koa/*",
                "**/lark/**",
                "**/cards/**",
                "**/presenters/**",
                "**/delivery/**",
                "**/usecases/**",
                "**/commands/**",
                "**/actions/**",
                "**/jobs/**",
                "**/app.js",
                "**/bot.js",
              ],
              message: "The domain is plain TypeScript: rules and data only (see docs/ARCHITECTURE.md).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/cards/**/*.ts", "src/presenters/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "@larksuiteoapi/*",
                "koa",
                "@koa/*",
                "**/lark/**",
                "**/delivery/**",
                "**/commands/**",
                "**/actions/**",
              ],
              message:
                "Cards and presenters turn data into views; they send nothing (see docs/ARCHITECTURE.md).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["scripts/**", "*.js", "*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
