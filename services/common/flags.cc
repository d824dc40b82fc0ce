#include "common/flags.h"

#include <cstdio>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(int, port, -1,
          "TCP port to listen on; 0 picks a free port (printed in the serving log line); "
          "-1 uses the service's default port");
ABSL_FLAG(std::string, host, "0.0.0.0", "Address to listen on (e.g. 127.0.0.1 for local only)");
ABSL_FLAG(std::string, log_level, "info",
          "Log level: trace, debug, info, warn, error. Every call to a Dyad method is logged at "
          "info (the access log: method, code, duration, peer, trace id); health checks and "
          "reflection at debug");
ABSL_FLAG(std::string, log_format, "text",
          "Log lines on stderr: text (logfmt style) or json (one JSON object per line with "
          "time, level, service, msg and the line's fields; see docs/operations.md)");
ABSL_FLAG(int, metrics_port, 0,
          "Port of the Prometheus metrics endpoint (http://<host>:<port>/metrics, on --host); "
          "0 turns it off. Metric names are listed in docs/operations.md");
ABSL_FLAG(int, max_receive_bytes, 4 << 20, "Largest request message accepted, in bytes");
ABSL_FLAG(int, max_in_flight, 256,
          "Calls served at once by this process; more are refused with RESOURCE_EXHAUSTED "
          "(health checks and reflection are not counted; 0: no limit)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM/SIGINT: how long in-flight calls may take to finish before they are "
          "cancelled");

ABSL_FLAG(absl::Duration, max_connection_age, absl::Minutes(5),
          "Clients are asked (HTTP/2 GOAWAY) to reconnect after this long, finishing their "
          "calls first, so a client balancing over a DNS name re-resolves it and reaches "
          "replicas added since (0: connections live as long as the client wants)");

// Every server: the backends and the gateway alike.
ABSL_FLAG(std::string, read_token_file, "",
          "When set (or env DYAD_READ_TOKEN), read methods also need a bearer token: this one or "
          "(on a backend) the write token. Reads are open otherwise");

ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain of this server; with --tls_key_file the server speaks TLS only");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA bundle; when set, clients must present a certificate it signed (mutual TLS)");

namespace dyad {

void ParseFlags(int argc, char** argv, const char* usage) {
  absl::FlagsUsageConfig config;
  // --help lists only Dyad's own flags (those defined under services/ or
  // clients/), not abseil's or gRPC's.
  config.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "services/") || absl::StrContains(file, "clients/");
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  config.normalize_filename = [](absl::string_view f) { return std::string(f); };
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(usage);

  // Environment first, so the command line overrides it.
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const std::string env = absl::StrCat("DYAD_", absl::AsciiStrToUpper(name));
    const char* value = std::getenv(env.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::fprintf(stderr, "%s: invalid value for %s (--%s): %s\n", argv[0], env.c_str(),
                   std::string(name).c_str(), error.c_str());
      std::exit(2);
    }
  }
  absl::ParseCommandLine(argc, argv);
}

}  // namespace dyad
