#pragma once

#include <string>

#include "absl/flags/declare.h"
#include "absl/time/time.h"

// Flags every Dyad server has. Each can also come from the environment as
// DYAD_<FLAG> (e.g. DYAD_PORT=50051); a flag given on the command line wins.
ABSL_DECLARE_FLAG(int, port);
ABSL_DECLARE_FLAG(std::string, host);
ABSL_DECLARE_FLAG(std::string, log_level);
ABSL_DECLARE_FLAG(std::string, log_format);
ABSL_DECLARE_FLAG(int, metrics_port);
ABSL_DECLARE_FLAG(int, max_receive_bytes);
ABSL_DECLARE_FLAG(int, max_in_flight);
ABSL_DECLARE_FLAG(absl::Duration, shutdown_grace);
ABSL_DECLARE_FLAG(absl::Duration, max_connection_age);
ABSL_DECLARE_FLAG(std::string, read_token_file);
ABSL_DECLARE_FLAG(std::string, tls_cert_file);
ABSL_DECLARE_FLAG(std::string, tls_key_file);
ABSL_DECLARE_FLAG(std::string, tls_client_ca_file);

namespace dyad {

// Parses the command line after applying DYAD_* environment fallbacks.
// Handles --help (prints this binary's flags, exits 0) and exits 2 with one
// line naming the flag on a bad value or an unknown flag.
void ParseFlags(int argc, char** argv, const char* usage);

}  // namespace dyad
