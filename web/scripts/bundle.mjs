// esbuild: the page, the server and the tests, from src/ and test/ into dist/.
// Run by scripts/build.sh after src/gen is generated.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(here, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "public"), { recursive: true });

const started = Date.now();
await Promise.all([
  // The page: one script and one stylesheet, everything inside (no CDN).
  build({
    entryPoints: { app: join(here, "src/app/main.ts") },
    outdir: join(dist, "public"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome109", "firefox115", "safari16"],
    minify: true,
    sourcemap: "linked",
    legalComments: "linked",
    // The ISO 3166-1 table the importers use is the country picker's list.
    loader: { ".tsv": "text" },
    logLevel: "warning",
  }),
  // The server: one ES module for Node >= 18.14 (Debian 12's nodejs), with
  // its dependencies inside, so the image needs no node_modules.
  build({
    entryPoints: { server: join(here, "src/server/main.ts") },
    outdir: dist,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node18.14",
    sourcemap: "linked",
    legalComments: "linked",
    // CommonJS dependencies (cors) may require() Node's own modules.
    banner: { js: "import { createRequire as __dyadRequire } from 'node:module'; const require = __dyadRequire(import.meta.url);" },
    logLevel: "warning",
  }),
  // The tests: node --test runs them; playwright-core stays in node_modules.
  build({
    entryPoints: readdirSync(join(here, "test"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => join(here, "test", f)),
    outdir: join(dist, "test"),
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    sourcemap: "inline",
    logLevel: "warning",
  }),
]);
copyFileSync(join(here, "public/index.html"), join(dist, "public/index.html"));
console.log(`bundled dist/server.js, dist/public/ and dist/test/ in ${Date.now() - started} ms`);
