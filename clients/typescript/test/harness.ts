/**
 * Starts the real Dyad binaries on free ports for the client tests.
 *
 * Each server runs with --port=0 --host=127.0.0.1 and an in-memory database;
 * the harness waits for its "serving ... port=N" log line and stops it by its
 * own pid (SIGTERM, then SIGKILL after a grace period). Nothing else is ever
 * signalled. The build directory is $DYAD_BUILD_DIR, else <repo>/build.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function findRepo(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "proto", "dyad"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("harness: repository root (proto/dyad) not found");
    dir = up;
  }
  return dir;
}

export const REPO = findRepo();
export const BUILD = resolve(process.env.DYAD_BUILD_DIR || join(REPO, "build"));
export const BACKENDS = ["events", "economics", "institutions"] as const;
export type Backend = (typeof BACKENDS)[number];

/** Path of build/bin/dyad-<name> when it exists and is executable. */
export function binary(name: string): string | undefined {
  const p = join(BUILD, "bin", `dyad-${name}`);
  try {
    accessSync(p, constants.X_OK);
    return p;
  } catch {
    return undefined;
  }
}

/** "dyad-<name>" for each of `names` not built. */
export function missing(...names: string[]): string[] {
  return names.filter((n) => !binary(n)).map((n) => `dyad-${n}`);
}

/**
 * Binaries the build tree defines ($DYAD_REQUIRED_BINARIES, set by
 * tests/cmake/clients.cmake): missing one of those is a failure, not a skip.
 */
export function required(): Set<string> {
  return new Set((process.env.DYAD_REQUIRED_BINARIES ?? "").split(",").map((s) => s.trim()).filter(Boolean));
}

/**
 * false when every dyad-<name> is built; else why to skip (for node:test's
 * `skip`). Throws when a missing one is required (defined but not built).
 */
export function skipReason(...names: string[]): string | false {
  const gone = names.filter((n) => !binary(n));
  if (gone.length === 0) return false;
  const must = gone.filter((n) => required().has(n)).map((n) => `dyad-${n}`);
  if (must.length) {
    throw new Error(`${must.join(", ")} missing from ${join(BUILD, "bin")} although the build defines it: build first (ninja -C build)`);
  }
  return `needs ${gone.map((n) => `dyad-${n}`).join(", ")} (not built in ${join(BUILD, "bin")})`;
}

/** A port nothing listens on (bound then released), for "backend down". */
export async function unusedPort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => ok(port));
    });
  });
}

const SERVING = /serving .* port=(\d+)/;

export class Server {
  port = 0;
  log = "";
  private readonly proc: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    argv: string[],
    env: Record<string, string> = {},
  ) {
    this.proc = spawn(argv[0], argv.slice(1), {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    const collect = (chunk: Buffer) => {
      this.log += chunk.toString();
    };
    this.proc.stdout?.on("data", collect);
    this.proc.stderr?.on("data", collect);
    this.exited = new Promise((ok) => this.proc.once("exit", (code, signal) => ok(signal ? null : code)));
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Resolves once the serving line shows; rejects on exit or timeout. */
  async waitServing(timeoutMs = 30_000): Promise<this> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (Date.now() < deadline) {
      const m = SERVING.exec(this.log);
      if (m) {
        this.port = Number(m[1]);
        return this;
      }
      if (exited) throw new Error(`dyad-${this.name} exited:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.stop();
    throw new Error(`dyad-${this.name}: no serving line within ${timeoutMs} ms:\n${this.log}`);
  }

  /** SIGTERM by pid, wait, SIGKILL by pid if it lingers. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null || this.proc.pid === undefined) return;
    process.kill(this.proc.pid, "SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((ok) => (timer = setTimeout(() => ok("late"), graceMs)));
    const r = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (r === "late") {
      process.kill(this.proc.pid, "SIGKILL");
      await this.exited;
    }
  }
}

/** A set of running servers; stop() stops them all, gateway first. */
export class Suite {
  readonly servers = new Map<string, Server>();

  async startBackend(name: Backend, env: Record<string, string> = {}): Promise<Server> {
    const exe = binary(name);
    if (!exe) throw new Error(`dyad-${name} is not built in ${join(BUILD, "bin")}`);
    const s = new Server(
      name,
      [exe, "--port=0", "--host=127.0.0.1", "--db=:memory:", `--plugins=${join(BUILD, "plugins")}`, "--shutdown_grace=2s"],
      env,
    );
    this.servers.set(name, s);
    return s.waitServing();
  }

  async startGateway(events: string, economics: string, institutions: string): Promise<Server> {
    const exe = binary("gateway");
    if (!exe) throw new Error(`dyad-gateway is not built in ${join(BUILD, "bin")}`);
    const s = new Server("gateway", [
      exe,
      "--port=0",
      "--host=127.0.0.1",
      `--events=${events}`,
      `--economics=${economics}`,
      `--institutions=${institutions}`,
    ]);
    this.servers.set("gateway", s);
    return s.waitServing();
  }

  /** Starts the three backends and the gateway in front of them. */
  async startAll(): Promise<void> {
    await Promise.all(BACKENDS.map((b) => this.startBackend(b)));
    await this.startGateway(this.target("events"), this.target("economics"), this.target("institutions"));
  }

  target(name: string): string {
    const s = this.servers.get(name);
    if (!s) throw new Error(`${name} not started`);
    return s.target;
  }

  async stop(): Promise<void> {
    const gw = this.servers.get("gateway");
    if (gw) await gw.stop();
    await Promise.all([...this.servers.values()].filter((s) => s !== gw).map((s) => s.stop()));
    this.servers.clear();
  }
}
