#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "args.h"
#include "dyad/type/v1/citation.pb.h"
#include "dyad/type/v1/quantity.pb.h"
#include "google/protobuf/message.h"

namespace dyad::cli {

// Exit codes (documented in --help).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRpcError = 1;  // the server answered with an error
inline constexpr int kExitUsage = 2;     // bad command line
inline constexpr int kExitPartial = 3;   // --strict and a backend part was not OK
inline constexpr int kExitRejected = 4;  // import: rows rejected, or --max_errors stopped it

// Global options and the streams a command writes to.
struct Context {
  std::string gateway = "127.0.0.1:50050";
  std::string events = "127.0.0.1:50051";
  std::string economics = "127.0.0.1:50052";
  std::string institutions = "127.0.0.1:50053";
  std::vector<std::string> countries = {"AZE", "CHN"};
  bool json = false;
  bool strict = false;
  absl::Duration timeout = absl::Seconds(10);
  bool timeout_given = false;    // --timeout was on the command line
  bool err_is_terminal = false;  // stderr is a terminal (progress lines)
  std::ostream* out;
  std::ostream* err;

  std::shared_ptr<grpc::Channel> Channel(const std::string& target) const;
  std::unique_ptr<grpc::ClientContext> Call() const;
};

struct Command {
  std::string name;
  std::string summary;
  std::string usage;  // options and arguments, shown by `dyad <name> --help`
  std::vector<std::string> value_options;
  std::vector<std::string> bool_options;
  // Returns an exit code.
  std::function<int(const Context&, const Args&)> run;
};

// Every command, by name.
const std::map<std::string, Command>& Commands();
void RegisterServiceCommands(std::map<std::string, Command>& commands);
void RegisterGatewayCommands(std::map<std::string, Command>& commands);
void RegisterImportCommand(std::map<std::string, Command>& commands);
void RegisterExportCommand(std::map<std::string, Command>& commands);  // export_command.cc

// Runs the CLI on argv (without the program name); returns the exit code.
int Main(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

// Helpers shared by the commands.
std::string FormatQuantity(const dyad::type::v1::Quantity& q);
std::string FormatCitations(const google::protobuf::RepeatedPtrField<dyad::type::v1::Citation>& cs);
std::string ToJson(const google::protobuf::Message& m);
// Prints an RPC error as "error: CODE: message" and returns kExitRpcError.
int RpcError(const Context& ctx, const grpc::Status& status, const std::string& target);
// Usage error: prints and returns kExitUsage.
int UsageError(const Context& ctx, const std::string& command, const std::string& message);

}  // namespace dyad::cli
