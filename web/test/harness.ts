/**
 * The web tests' setting: the real suite (the TypeScript client's harness:
 * the four binaries of build/bin on free ports, the real plugins, in-memory
 * databases), dyad-web (dist/server.js) in front of it, and Debian's
 * chromium driven by playwright-core. Nothing is downloaded; every process
 * is stopped by its own pid.
 */

import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { type Browser, type Page, chromium } from "playwright-core";

import { BACKENDS, BUILD, REPO, Server, Suite, skipReason } from "../../clients/typescript/test/harness.js";

export { BACKENDS, BUILD, REPO, Server, Suite };

/** web/ (the tests run from web/dist/test). */
export const WEB = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "scripts", "bundle.mjs"))) dir = dirname(dir);
  return dir;
})();

export const SERVER_JS = join(WEB, "dist", "server.js");

/** Where screenshots go: $DYAD_WEB_ARTIFACTS, else <build>/web-artifacts. */
export const ARTIFACTS = process.env.DYAD_WEB_ARTIFACTS || join(BUILD, "web-artifacts");

/** false when the four servers are built, else why these tests are skipped. */
export function suiteSkip(): string | false {
  const r = skipReason("gateway", ...BACKENDS);
  if (r) return r;
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} missing: run web/scripts/build.sh first`);
  return false;
}

export const CHROMIUM = process.env.DYAD_CHROMIUM || "/usr/bin/chromium";

/** The token file a test suite's events backend accepts imports with. */
export function tokenFile(): { path: string; token: string } {
  const token = `web-test-${process.pid}-${Date.now()}`;
  const dir = join(tmpdir(), `dyad-web-test-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "write-token");
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return { path, token };
}

/**
 * Starts the three backends (the events one taking writes with `writeToken`
 * when given) and the gateway.
 */
export async function startSuite(writeTokenFile?: string): Promise<Suite> {
  const suite = new Suite();
  try {
    await Promise.all(
      BACKENDS.map((b) =>
        suite.startBackend(b, b === "events" && writeTokenFile ? { DYAD_WRITE_TOKEN_FILE: writeTokenFile } : {}),
      ),
    );
    await suite.startGateway(suite.target("events"), suite.target("economics"), suite.target("institutions"));
  } catch (e) {
    await suite.stop();
    throw e;
  }
  return suite;
}

/** dyad-web in front of `suite` (or of the targets given), on a free port. */
export async function startWeb(
  targets: { gateway: string; events: string; economics: string; institutions: string },
  extra: string[] = [],
): Promise<Server> {
  const s = new Server("web", [
    process.execPath,
    SERVER_JS,
    "--port=0",
    "--host=127.0.0.1",
    `--gateway=${targets.gateway}`,
    `--events=${targets.events}`,
    `--economics=${targets.economics}`,
    `--institutions=${targets.institutions}`,
    "--shutdown_grace=2s",
    ...extra,
  ]);
  return s.waitServing();
}

export function targetsOf(suite: Suite) {
  return {
    gateway: suite.target("gateway"),
    events: suite.target("events"),
    economics: suite.target("economics"),
    institutions: suite.target("institutions"),
  };
}

/**
 * Debian's chromium, headless. --no-sandbox only as root: Chromium's
 * sandbox refuses to start as root (CI containers run the tests as root);
 * as any other user the sandbox stays on.
 */
export async function launchBrowser(): Promise<Browser> {
  const args = process.getuid?.() === 0 ? ["--no-sandbox"] : [];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** Saves a screenshot of the page (or of one element) under ARTIFACTS. */
export async function screenshot(page: Page, name: string, selector?: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  if (selector) await page.locator(selector).screenshot({ path });
  else await page.screenshot({ path, fullPage: true });
  return path;
}

/** Waits until the page has loaded every section of the current view. */
export async function waitLoaded(page: Page, after = 0): Promise<void> {
  await page.waitForFunction((n) => Number(document.body.getAttribute("data-loaded") ?? 0) > n, after, { timeout: 30_000 });
}

const run = promisify(execFile);

/** Imports dataset files into the events backend with the real CLI (`dyad import`). */
export async function importWithCli(suite: Suite, tokenPath: string, family: string, ...files: string[]): Promise<string> {
  const { stdout, stderr } = await run(
    join(BUILD, "bin", "dyad"),
    ["--target", suite.target("gateway"), "--events", suite.target("events"), "--economics", suite.target("economics"),
      "import", family, "--write_token_file", tokenPath, ...files],
    { timeout: 60_000 },
  );
  return stdout + stderr;
}
