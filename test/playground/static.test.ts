import { type AddressInfo } from "node:net";
import { type Server } from "node:http";
import path from "node:path";
import Koa from "koa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { playgroundStatic, vchartPath, webRoot } from "../../src/playground/static.js";

let server: Server;
let base: string;

beforeAll(async () => {
  const app = new Koa();
  app.use(playgroundStatic());
  app.use((ctx) => {
    ctx.body = "next";
  });
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe("playgroundStatic", () => {
  it("serves the page at /playground and its files under /playground/static/", async () => {
    for (const path of ["/playground", "/playground/"]) {
      const page = await fetch(`${base}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await page.text()).toContain('<script type="module" src="/playground/static/app.js">');
    }
    for (const [file, type] of [
      ["app.js", "text/javascript; charset=utf-8"],
      ["cards.js", "text/javascript; charset=utf-8"],
      ["markdown.js", "text/javascript; charset=utf-8"],
      ["messages.js", "text/javascript; charset=utf-8"],
      ["cardFields.js", "text/javascript; charset=utf-8"],
      ["dom.js", "text/javascript; charset=utf-8"],
      ["styles.css", "text/css; charset=utf-8"],
    ]) {
      const response = await fetch(`${base}/playground/static/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get("content-type")).toBe(type);
    }
  });

  it("serves VChart's browser build from node_modules", async () => {
    expect(vchartPath()).toMatch(/@visactor\/vchart\/build\/index\.min\.js$/);
    const response = await fetch(`${base}/playground/static/vchart.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
  });

  it("finds the web folder from the source tree and from the compiled build", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    expect(webRoot()).toBe(path.join(root, "src/playground/web"));
    expect(webRoot(path.join(root, "dist/src/playground"))).toBe(path.join(root, "src/playground/web"));
  });

  it("answers 404 for a missing file and never leaves the web folder", async () => {
    expect((await fetch(`${base}/playground/static/nothing.js`)).status).toBe(404);
    for (const path of [
      "/playground/static/..%2Fstatic.ts",
      "/playground/static/%2E%2E%2F%2E%2E%2Fpackage.json",
    ]) {
      const response = await fetch(`${base}${path}`);
      expect(await response.text(), path).toBe("next");
    }
  });

  it("lets every other request pass on", async () => {
    expect(await (await fetch(`${base}/playground/api/state`)).text()).toBe("next");
    expect(await (await fetch(`${base}/playground`, { method: "POST" })).text()).toBe("next");
  });
});
