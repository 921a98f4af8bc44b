import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Relative imports of a file under src/, as paths of .ts files under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:import|export)[^"';]*?from\s+"(\.[^"]+)\.js"/g)]
    .map((m) => resolve(dirname(file), `${m[1]}.ts`))
    .filter((path) => path.startsWith(join(root, "src")));
}

describe("architecture", () => {
  it("has no import circles under src/", () => {
    const files = sourceFiles(join(root, "src"));
    const graph = new Map(files.map((file) => [file, importsOf(file)]));
    const state = new Map<string, "visiting" | "done">();
    const circles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        circles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(root, f)).join(" → "));
        return;
      }
      state.set(file, "visiting");
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, "done");
    };
    for (const file of files) visit(file, []);
    expect(circles).toEqual([]);
  });

  it("refuses, by lint, a domain file that imports transport, Koa, cards or presenters", async () => {
    const eslint = new ESLint({ cwd: root });
    const cases = [
      'import { escapeText } from "../cards/escape.js";',
      'import type { MeetingCardData } from "../presenters/meeting.js";',
      'import type { IncomingMessage } from "../lark/types.js";',
      'import Koa from "koa";',
      'import * as lark from "@larksuiteoapi/node-sdk";',
    ];
    for (const code of cases) {
      const [result] = await eslint.lintText(`${code}\nexport const x = 1;\n`, {
        filePath: join(root, "src/domain/example.ts"),
      });
      expect(
        result!.messages.map((m) => m.ruleId),
        code,
      ).toContain("no-restricted-imports");
    }
    const [allowed] = await eslint.lintText(
      'import { UserError } from "./errors.js";\nexport const x = UserError;\n',
      {
        filePath: join(root, "src/domain/example.ts"),
      },
    );
    expect(allowed!.messages).toEqual([]);
  });
});
