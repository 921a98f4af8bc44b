/**
 * The production build: the bot and the operator scripts bundled by esbuild into dist/, each
 * entry one file, what they share in dist/chunks/, code loaded only on demand (the Excel ledger,
 * the playground) in chunks of its own.
 *
 * Why a bundle and not tsc's one file per module: start-up reads one file instead of some 1 500
 * (Node's ESM loader scans every CommonJS dependency for its exports), and minified code leaves
 * out the comments and the whitespace V8 would otherwise keep in memory (the Lark SDK alone is
 * 6 MB of source). Identifiers keep their names, so a stack trace still says where it came from.
 *
 * Usage: npm run build   (type errors are `npm run typecheck`'s job; esbuild does not check types)
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** What production runs: the bot, and the scripts an operator runs inside the image. */
export const ENTRY_POINTS = [
  "src/main.ts",
  "scripts/export.ts",
  "scripts/db-copy.ts",
  "scripts/seed-demo.ts",
];

/**
 * Loaded from node_modules, not bundled: exceljs (only when a ledger is written, never at start;
 * its zip libraries call the deprecated `Buffer()`, which Node reports from a bundle but not from
 * node_modules); the MongoDB driver's optional dependencies (compression, Kerberos, encryption,
 * cloud credentials: loaded only when configured, absent here); VChart, which the playground
 * serves to the browser.
 */
export const EXTERNAL = [
  "exceljs",
  "kerberos",
  "@mongodb-js/zstd",
  "snappy",
  "mongodb-client-encryption",
  "aws4",
  "@aws-sdk/credential-providers",
  "gcp-metadata",
  "socks",
  "@visactor/vchart",
];

/**
 * The Lark SDK reads its version for its User-Agent from `__dirname/../package.json`, which a
 * bundle has not got: the version is written in at build time instead. Fails the build when the
 * SDK no longer reads it that way, rather than sending `oapi-node-sdk/unknown`.
 */
export const larkSdkVersion: Plugin = {
  name: "lark-sdk-version",
  setup(plugin) {
    plugin.onLoad({ filter: /@larksuiteoapi[\\/]node-sdk[\\/]lib[\\/]index\.js$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const packageJson = path.resolve(path.dirname(args.path), "..", "package.json");
      const { version } = JSON.parse(readFileSync(packageJson, "utf8")) as { version: string };
      const declaration = "let cachedVersion;";
      if (!source.includes(declaration))
        throw new Error(
          `the Lark SDK (${version}) no longer declares \`${declaration}\`: see scripts/build.ts`,
        );
      return {
        contents: source.replace(declaration, `let cachedVersion = ${JSON.stringify(version)};`),
        loader: "js",
      };
    });
  },
};

export async function buildDist(outdir = path.join(projectRoot, "dist")): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: projectRoot,
    entryPoints: ENTRY_POINTS,
    outdir,
    outbase: ".",
    entryNames: "[dir]/[name]",
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    external: EXTERNAL,
    plugins: [larkSdkVersion],
    // CommonJS dependencies call require() for Node's own modules, which an ES module has not got.
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
    logLevel: "warning",
  });
}

/**
 * The build as the production image holds it, in `dir`: package.json (it makes dist/'s files ES
 * modules), dist/, and of node_modules only the external runtime dependencies (linked to this
 * checkout's).
 * The tests and the bench run the build from there: anything else it needed at run time fails.
 */
export async function stageRuntime(dir: string): Promise<void> {
  mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  copyFileSync(path.join(projectRoot, "package.json"), path.join(dir, "package.json"));
  const { dependencies } = JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  // The runtime dependencies among them: the image has no devDependencies.
  for (const name of EXTERNAL.filter((external) => external in dependencies)) {
    const installed = path.join(projectRoot, "node_modules", name);
    mkdirSync(path.dirname(path.join(dir, "node_modules", name)), { recursive: true });
    symlinkSync(installed, path.join(dir, "node_modules", name));
  }
  await buildDist(path.join(dir, "dist"));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildDist().catch((error: unknown) => {
    console.error("build failed:", error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
