/**
 * dyad-web's flags: `--name=value` on the command line, else the environment
 * variable DYAD_<NAME> (as the C++ servers read theirs, so one ConfigMap
 * style serves all five), else the default. `--help` lists them in the
 * servers' format, which deploy/check.py reads to validate the manifests.
 */

import { parseArgs } from "node:util";

interface FlagSpec {
  help: string;
  default: string;
}

export const FLAGS = {
  host: { help: "Address to listen on (e.g. 127.0.0.1 for local only)", default: "0.0.0.0" },
  port: { help: "TCP port of the HTTP server; 0 picks a free port (printed in the serving log line)", default: "8080" },
  gateway: { help: "gRPC target of dyad.gateway.v1.RelationsGateway (host:port or dns:///host:port)", default: "127.0.0.1:50050" },
  events: { help: "gRPC target of dyad.events.v1.EventService, whose read methods are forwarded", default: "127.0.0.1:50051" },
  economics: { help: "gRPC target of dyad.economics.v1.EconomicsService, whose read methods are forwarded", default: "127.0.0.1:50052" },
  institutions: { help: "gRPC target of dyad.institutions.v1.InstitutionService, whose read methods are forwarded", default: "127.0.0.1:50053" },
  cors_origins: {
    help: "Origins allowed to call from another site (comma-separated, e.g. https://a.example,https://b.example; * for any; empty: same origin only)",
    default: "",
  },
  default_timeout: { help: "Deadline of a call whose client sets none (connect-timeout-ms / grpc-timeout); 0: none", default: "30s" },
  max_receive_bytes: { help: "Largest request body accepted, in bytes", default: "4194304" },
  shutdown_grace: { help: "On SIGTERM/SIGINT: how long calls in flight may take to finish before their connections are closed", default: "10s" },
  static_dir: { help: "Folder of the explorer page (index.html, app.js, app.css); empty: public/ beside this script", default: "" },
} satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;
export type Flags = Record<FlagName, string>;

/** The help text, in the C++ servers' (abseil) layout: `--name (help); default: "x";`. */
export function helpText(): string {
  const lines = [
    "dyad-web: the Connect protocol and gRPC-Web over HTTP/1.1 (JSON or binary) for every",
    "RelationsGateway method and the backends' read methods, forwarded over gRPC, plus the",
    "explorer page. Flags also come from DYAD_<FLAG> environment variables.",
    "usage: node server.js [--port=8080] [--gateway=TARGET] [--events=TARGET] ...",
    "",
    "  Flags from web/src/server/flags.ts:",
  ];
  for (const [name, spec] of Object.entries(FLAGS) as [string, FlagSpec][]) {
    const shown = /^\d+$/.test(spec.default) || /^\d+(ms|s|m|h)$/.test(spec.default) ? spec.default : JSON.stringify(spec.default);
    lines.push(`    --${name} (${spec.help}); default: ${shown};`);
  }
  return lines.join("\n") + "\n";
}

/** Flags from argv and env; throws an Error naming the flag on an unknown one. */
export function parseFlags(argv: string[], env: NodeJS.ProcessEnv): Flags & { help: boolean } {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const name of Object.keys(FLAGS)) options[name] = { type: "string" };
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  const out = { help: Boolean(values.help) } as Flags & { help: boolean };
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    const v = values[name];
    out[name] = typeof v === "string" ? v : (env[`DYAD_${name.toUpperCase()}`] ?? spec.default);
  }
  return out;
}

/** "30s", "500ms", "1m", "0" -> milliseconds (the servers' duration flags' common forms). */
export function parseDurationMs(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (text.trim() === "0") return 0;
  if (!m) throw new Error(`--${flag}: not a duration (e.g. 30s, 500ms, 1m): "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  return Math.round(Number(m[1]) * unit);
}

/** A non-negative integer flag. */
export function parseIntFlag(flag: string, text: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text.trim())) throw new Error(`--${flag}: not a whole number: "${text}"`);
  const n = Number(text);
  if (n < min || n > max) throw new Error(`--${flag}: must be ${min}..${max}, got ${n}`);
  return n;
}
