#include "cli.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "google/protobuf/util/json_util.h"

namespace dyad::cli {

std::shared_ptr<grpc::Channel> Context::Channel(const std::string& target) const {
  return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
}

std::unique_ptr<grpc::ClientContext> Context::Call() const {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return c;
}

std::string FormatQuantity(const dyad::type::v1::Quantity& q) {
  using Q = dyad::type::v1::Quantity;
  if (q.unit().empty() && q.value() == 0) return "";
  std::string prefix;
  switch (q.qualifier()) {
    case Q::QUALIFIER_APPROXIMATE: prefix = "about "; break;
    case Q::QUALIFIER_AT_LEAST: prefix = "over "; break;
    case Q::QUALIFIER_AT_MOST: prefix = "almost "; break;
    default: break;
  }
  auto num = [](double v) {
    const double a = std::fabs(v);
    if (a >= 1e9) return absl::StrFormat("%.4g billion", v / 1e9);
    if (a >= 1e6) return absl::StrFormat("%.4g million", v / 1e6);
    return absl::StrFormat("%.10g", v);
  };
  std::string s = prefix + num(q.value());
  if (q.qualifier() == Q::QUALIFIER_RANGE) s += "–" + num(q.upper());
  if (q.unit() == "percent") return s + "%";
  return s + " " + q.unit();
}

std::string FormatCitations(const google::protobuf::RepeatedPtrField<dyad::type::v1::Citation>& cs) {
  return absl::StrJoin(cs, " ", [](std::string* out, const dyad::type::v1::Citation& c) {
    absl::StrAppend(out, c.source_id(), ":", c.locator());
  });
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

int RpcError(const Context& ctx, const grpc::Status& status, const std::string& target) {
  *ctx.err << "error: " << GrpcCodeName(status.error_code()) << ": " << status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    *ctx.err << " (target " << target << ")";
  }
  *ctx.err << "\n";
  return kExitRpcError;
}

int UsageError(const Context& ctx, const std::string& command, const std::string& message) {
  *ctx.err << "dyad " << command << ": " << message << "\n"
           << "Run 'dyad " << command << " --help' for usage.\n";
  return kExitUsage;
}

const std::map<std::string, Command>& Commands() {
  static const auto* commands = [] {
    auto* m = new std::map<std::string, Command>();
    RegisterServiceCommands(*m);
    RegisterGatewayCommands(*m);
    RegisterImportCommand(*m);
    RegisterExportCommand(*m);
    return m;
  }();
  return *commands;
}

namespace {

constexpr char kGlobalHelp[] = R"(Global options (before the command):
  --target ADDR        gateway address (env DYAD_TARGET; default 127.0.0.1:50050)
  --events ADDR        events service (env DYAD_EVENTS; default 127.0.0.1:50051)
  --economics ADDR     economics service (env DYAD_ECONOMICS; default 127.0.0.1:50052)
  --institutions ADDR  institutions service (env DYAD_INSTITUTIONS; default 127.0.0.1:50053)
  --countries A,B      the dyad, ISO 3166-1 alpha-3 (env DYAD_COUNTRIES; default AZE,CHN)
  --json               print the reply as JSON (proto3 JSON mapping) for scripts
  --strict             exit 3 when a composed answer is partial (a backend failed)
  --timeout DURATION   per-call deadline, e.g. 10s, 500ms (default 10s; imports
                       have none unless it is given)
  --help               this help

Exit codes: 0 ok, 1 the server answered with an error, 2 bad command line,
3 partial answer with --strict, 4 import: rows rejected.
)";

void PrintHelp(std::ostream& out) {
  out << "dyad: query Dyad, relations between two countries with every answer cited.\n\n"
      << "usage: dyad [global options] <command> [options]\n\nCommands:\n";
  for (const auto& [name, c] : Commands()) out << absl::StrFormat("  %-14s %s\n", name, c.summary);
  out << "\n" << kGlobalHelp;
}

}  // namespace

int Main(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  Context ctx;
  ctx.out = &out;
  ctx.err = &err;
  ctx.err_is_terminal = &err == &std::cerr && isatty(STDERR_FILENO);
  if (const char* v = std::getenv("DYAD_TARGET"); v && *v) ctx.gateway = v;
  if (const char* v = std::getenv("DYAD_EVENTS"); v && *v) ctx.events = v;
  if (const char* v = std::getenv("DYAD_ECONOMICS"); v && *v) ctx.economics = v;
  if (const char* v = std::getenv("DYAD_INSTITUTIONS"); v && *v) ctx.institutions = v;
  if (const char* v = std::getenv("DYAD_COUNTRIES"); v && *v) {
    ctx.countries = absl::StrSplit(v, ',', absl::SkipWhitespace());
  }
  // Global options come before the command word.
  size_t i = 0;
  std::vector<std::string> global;
  while (i < argv.size() && argv[i].rfind("--", 0) == 0) {
    global.push_back(argv[i]);
    const bool takes_value = argv[i].find('=') == std::string::npos && argv[i] != "--json" &&
                             argv[i] != "--strict" && argv[i] != "--help";
    if (takes_value && i + 1 < argv.size()) global.push_back(argv[++i]);
    ++i;
  }
  auto g = Args::Parse(global,
                       {"target", "events", "economics", "institutions", "countries", "timeout"},
                       {"json", "strict", "help"});
  if (!g.ok()) {
    err << "dyad: " << g.status().message() << "\nRun 'dyad --help' for usage.\n";
    return kExitUsage;
  }
  if (g->Has("help") || i >= argv.size()) {
    PrintHelp(g->Has("help") ? out : err);
    return g->Has("help") ? kExitOk : kExitUsage;
  }
  ctx.gateway = g->GetOr("target", ctx.gateway);
  ctx.events = g->GetOr("events", ctx.events);
  ctx.economics = g->GetOr("economics", ctx.economics);
  ctx.institutions = g->GetOr("institutions", ctx.institutions);
  if (g->Get("countries")) ctx.countries = g->List("countries");
  ctx.json = g->Has("json");
  ctx.strict = g->Has("strict");
  if (auto t = g->Get("timeout")) {
    if (!absl::ParseDuration(*t, &ctx.timeout) || ctx.timeout <= absl::ZeroDuration()) {
      err << "dyad: --timeout: not a positive duration (e.g. 10s, 500ms): " << *t << "\n";
      return kExitUsage;
    }
    ctx.timeout_given = true;
  }
  const std::string name = argv[i];
  auto it = Commands().find(name);
  if (it == Commands().end()) {
    err << "dyad: unknown command \"" << name << "\"\nRun 'dyad --help' for the commands.\n";
    return kExitUsage;
  }
  const Command& cmd = it->second;
  std::vector<std::string> rest(argv.begin() + i + 1, argv.end());
  std::vector<std::string> bools = cmd.bool_options;
  bools.push_back("help");
  auto a = Args::Parse(rest, cmd.value_options, bools);
  if (!a.ok()) return UsageError(ctx, name, std::string(a.status().message()));
  if (a->Has("help")) {
    out << "usage: dyad [global options] " << name << " " << cmd.usage << "\n\n"
        << cmd.summary << "\n\n" << kGlobalHelp;
    return kExitOk;
  }
  return cmd.run(ctx, *a);
}

}  // namespace dyad::cli
