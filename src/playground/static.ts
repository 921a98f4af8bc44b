/**
 * Serves the playground's page: src/playground/web/* at /playground (index.html) and
 * /playground/static/*, and VChart's browser build (the chart library of Lark's chart component)
 * at /playground/static/vchart.js, straight from node_modules. Nothing is copied into the
 * repository or dist/: the web folder is found beside this file (tsx) or from the project root
 * (dist/ holds no web files), VChart through Node's module resolution.
 */
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type Koa from "koa";
import { findProjectRoot } from "../db/localServer.js";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** The folder of the page's files: src/playground/web, from src/ or dist/. */
export function webRoot(here: string = path.dirname(fileURLToPath(import.meta.url))): string {
  const beside = path.join(here, "web");
  return existsSync(beside) ? beside : path.join(findProjectRoot(here), "src/playground/web");
}

/** The path of VChart's browser build (UMD, sets `window.VChart`), or null when not installed. */
export function vchartPath(): string | null {
  try {
    return createRequire(import.meta.url).resolve("@visactor/vchart/build/index.min.js");
  } catch {
    return null;
  }
}

/** A file name under /playground/static/: one path segment of safe characters, no "..". */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/**
 * Koa middleware for GET/HEAD /playground, /playground/ and /playground/static/<file>; every
 * other request passes on. Files are read on each request (a page edit shows on reload).
 */
export function playgroundStatic(options: { root?: string } = {}): Koa.Middleware {
  const root = options.root ?? webRoot();
  const vchart = vchartPath();
  return async (ctx, next) => {
    if (ctx.method !== "GET" && ctx.method !== "HEAD") return next();
    let file: string | null = null;
    if (ctx.path === "/playground" || ctx.path === "/playground/") {
      file = path.join(root, "index.html");
    } else if (ctx.path.startsWith("/playground/static/")) {
      const name = ctx.path.slice("/playground/static/".length);
      if (name === "vchart.js") file = vchart;
      else if (FILE_NAME.test(name) && !name.includes("..")) file = path.join(root, name);
    }
    if (!file) return next();
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      ctx.status = 404;
      ctx.body = "not found";
      return;
    }
    ctx.type = CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream";
    // The page's own files change while one works on them; VChart does not.
    ctx.set("Cache-Control", file === vchart ? "public, max-age=3600" : "no-cache");
    // Koa answers HEAD without the body.
    ctx.body = await readFile(file);
  };
}
