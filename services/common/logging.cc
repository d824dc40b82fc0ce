#include "common/logging.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/stubs/logging.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/stdout_sinks.h"

namespace dyad {
namespace {

// Appends `s` as the body of a JSON string (no quotes): ", \ and control
// characters escaped, invalid UTF-8 replaced by U+FFFD.
void AppendJsonEscaped(absl::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      switch (c) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out->append("\\u00");
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 0xf]);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // A well-formed multi-byte sequence (no overlongs, no surrogates, at
    // most U+10FFFF) is copied; anything else is one U+FFFD per byte.
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
    bool ok = len != 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) ok = false;
      else cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if (ok) {
      if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
          (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
        ok = false;
      }
    }
    if (ok) {
      out->append(reinterpret_cast<const char*>(p + i), len);
      i += len;
    } else {
      out->append("\xef\xbf\xbd");
      ++i;
    }
  }
}

void AppendJsonString(absl::string_view s, std::string* out) {
  out->push_back('"');
  AppendJsonEscaped(s, out);
  out->push_back('"');
}

// A JSON number of at most 15 digits (exact as a double): -?(0|[1-9]d*)(.d+)?
bool IsShortJsonNumber(absl::string_view v) {
  size_t i = 0, digits = 0;
  if (i < v.size() && v[i] == '-') ++i;
  if (i >= v.size() || !absl::ascii_isdigit(v[i])) return false;
  if (v[i] == '0' && i + 1 < v.size() && absl::ascii_isdigit(v[i + 1])) return false;
  while (i < v.size() && absl::ascii_isdigit(v[i])) ++i, ++digits;
  if (i < v.size() && v[i] == '.') {
    ++i;
    if (i >= v.size() || !absl::ascii_isdigit(v[i])) return false;
    while (i < v.size() && absl::ascii_isdigit(v[i])) ++i, ++digits;
  }
  return i == v.size() && digits <= 15;
}

bool IsKey(absl::string_view k) {
  if (k.empty()) return false;
  for (char c : k) {
    if (!(absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-')) return false;
  }
  return true;
}

// Reads a value quoted by LogValue() starting at s[*i] == '"'; leaves *i
// after the closing quote (or at the end).
std::string ReadQuoted(absl::string_view s, size_t* i) {
  std::string v;
  size_t j = *i + 1;
  while (j < s.size() && s[j] != '"') {
    if (s[j] == '\\' && j + 1 < s.size()) {
      ++j;
      v.push_back(s[j] == 'n' ? '\n' : s[j]);
    } else {
      v.push_back(s[j]);
    }
    ++j;
  }
  *i = j < s.size() ? j + 1 : j;
  return v;
}

// The spdlog formatter of --log_format=json.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto tp = msg.time;
    const std::time_t secs = std::chrono::system_clock::to_time_t(tp);
    const int millis = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count() %
        1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char time[40];
    std::snprintf(time, sizeof(time), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    const auto level = spdlog::level::to_string_view(msg.level);
    std::string line =
        JsonLogLine(time, absl::string_view(level.data(), level.size()),
                    absl::string_view(msg.logger_name.data(), msg.logger_name.size()),
                    absl::string_view(msg.payload.data(), msg.payload.size()));
    line.push_back('\n');
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};
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

std::string JsonLogLine(absl::string_view time, absl::string_view level,
                        absl::string_view service, absl::string_view message) {
  std::string msg;
  std::vector<std::pair<std::string, std::string>> fields;
  std::set<std::string> seen = {"time", "level", "service", "msg"};
  size_t i = 0;
  while (i < message.size()) {
    while (i < message.size() && message[i] == ' ') ++i;
    if (i >= message.size()) break;
    size_t end = i;
    while (end < message.size() && message[end] != ' ' && message[end] != '=' &&
           message[end] != '"') {
      ++end;
    }
    if (end < message.size() && message[end] == '=' && IsKey(message.substr(i, end - i))) {
      std::string key(message.substr(i, end - i));
      size_t j = end + 1;
      std::string value;
      if (j < message.size() && message[j] == '"') {
        value = ReadQuoted(message, &j);
      } else {
        const size_t stop = std::min(message.find(' ', j), message.size());
        value = std::string(message.substr(j, stop - j));
        j = stop;
      }
      i = j;
      if (key == "service") key = "grpc_service";
      else if (key == "time" || key == "level" || key == "msg") key += "_";
      if (!seen.insert(key).second) continue;
      fields.emplace_back(std::move(key), std::move(value));
      continue;
    }
    // A bare word (or a quoted one) belongs to the message text.
    std::string word;
    if (message[i] == '"') {
      word = ReadQuoted(message, &i);
    } else {
      const size_t stop = std::min(message.find(' ', i), message.size());
      word = std::string(message.substr(i, stop - i));
      i = stop;
    }
    if (!msg.empty()) msg.push_back(' ');
    msg += word;
  }
  std::string out = "{\"time\":";
  AppendJsonString(time, &out);
  out += ",\"level\":";
  AppendJsonString(level, &out);
  out += ",\"service\":";
  AppendJsonString(service, &out);
  out += ",\"msg\":";
  AppendJsonString(msg, &out);
  for (const auto& [k, v] : fields) {
    out.push_back(',');
    AppendJsonString(k, &out);
    out.push_back(':');
    if (IsShortJsonNumber(v)) out += v;
    else AppendJsonString(v, &out);
  }
  out.push_back('}');
  return out;
}

absl::Status InitLogging(const std::string& name, const std::string& level,
                         const std::string& format) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat("log_level: unknown level \"", level, "\" (trace, debug, info, warn, error)"));
  }
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat("log_format: unknown format \"", format, "\" (text, json)"));
  }
  auto logger = std::make_shared<spdlog::logger>(
      name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (format == "json") {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %n %v", spdlog::pattern_time_type::utc);
  }
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
