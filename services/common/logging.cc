#include "common/logging.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/stubs/logging.h"
#include "spdlog/sinks/stdout_sinks.h"

namespace dyad {
namespace {
std::shared_ptr<spdlog::logger>& Logger() {
  static auto* logger = new std::shared_ptr<spdlog::logger>(spdlog::stderr_logger_mt("dyad"));
  return *logger;
}
// libprotobuf's own messages. Its ERROR lines come from decoding input that
// a caller sent ("String field ... contains invalid UTF-8"): the caller gets
// INVALID_ARGUMENT, and printing a raw stderr line per request would let any
// client flood the log. They go to our logger at debug level; FATAL stays
// critical (protobuf aborts after it).
void ProtobufLog(google::protobuf::LogLevel level, const char* filename, int line,
                 const std::string& message) {
  if (level == google::protobuf::LOGLEVEL_FATAL) {
    Logger()->critical("protobuf {}:{} {}", filename, line, LogValue(message));
  } else {
    Logger()->debug("protobuf {}:{} {}", filename, line, LogValue(message));
  }
}
}  // namespace

absl::Status InitLogging(const std::string& name, const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat("log_level: unknown level \"", level, "\" (trace, debug, info, warn, error)"));
  }
  auto logger = std::make_shared<spdlog::logger>(
      name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %n %v", spdlog::pattern_time_type::utc);
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::trace);
  Logger() = logger;
  google::protobuf::SetLogHandler(&ProtobufLog);
  return absl::OkStatus();
}

spdlog::logger& Log() { return *Logger(); }

std::string LogValue(absl::string_view v) {
  if (!v.empty() && v.find_first_of(" \"=\t\n") == absl::string_view::npos) return std::string(v);
  return absl::StrCat("\"", absl::StrReplaceAll(v, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}}),
                      "\"");
}

}  // namespace dyad
