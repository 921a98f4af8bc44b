import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findProjectRoot } from "../../src/db/localServer.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("the local database is found from the source and from the compiled build", () => {
  it("finds the project root (with .venv) from src/db and from dist/chunks (the bundle's code)", () => {
    expect(findProjectRoot(path.join(root, "src/db"))).toBe(root);
    expect(findProjectRoot(path.join(root, "dist/chunks"))).toBe(root);
    expect(findProjectRoot()).toBe(root);
  });
});
