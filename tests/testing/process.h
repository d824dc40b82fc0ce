// Starting the real binaries in end-to-end tests: a child process with its
// stderr captured, stopped by its own pid only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace dyad::testing {

class ChildProcess {
 public:
  // Starts `argv` with extra environment entries ("NAME=value").
  static absl::StatusOr<ChildProcess> Start(const std::vector<std::string>& argv,
                                            const std::vector<std::string>& env = {});
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();  // SIGKILL if still running

  // Waits until stderr holds `needle`; returns everything read so far.
  absl::StatusOr<std::string> WaitForOutput(const std::string& needle, absl::Duration timeout);
  // Everything the process wrote to stderr so far (reads what is pending).
  std::string Output();
  // Sends `signal` and waits for exit; returns the exit status (or 128+sig).
  absl::StatusOr<int> Stop(int signal, absl::Duration timeout);
  // Waits for exit without signalling.
  absl::StatusOr<int> Wait(absl::Duration timeout);
  int pid() const { return pid_; }

 private:
  // Reads the child's stderr on its own thread from the start, so a child
  // that logs a lot (an access line per call) never blocks on a full pipe
  // while the test is not looking at its output.
  struct Reader;
  ChildProcess(int pid, int fd);
  // Copies what the reader has into output_, first waiting up to `wait` for
  // more.
  void Drain(absl::Duration wait);
  int pid_ = -1;
  std::shared_ptr<Reader> reader_;
  std::string output_;
};

// The port in a "serving ... port=N" log line, or 0.
int ParseServingPort(const std::string& log);

// A server started as a user would, listening.
struct Server {
  ChildProcess process;
  int port = 0;
};
// Starts `argv` with --port=0 and --host=`host` added, and waits (30s at
// most) for its serving line.
absl::StatusOr<Server> StartServer(std::vector<std::string> argv,
                                   const std::string& host = "127.0.0.1");

// The body of http://127.0.0.1:<port><path> (HTTP/1.0 GET, plain socket);
// an error unless the status is 200.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);

// The value of the sample `series` (metric name with its labels exactly as
// Prometheus' text format writes them, e.g.
// `grpc_server_handled_total{grpc_code="OK",grpc_method="X"}`) in a /metrics
// body, or -1 when absent.
double MetricValue(const std::string& body, const std::string& series);

// Path of a built artefact: DYAD_BUILD_DIR/<relative>.
std::string BuildPath(const std::string& relative);
// Path in the source tree: DYAD_SOURCE_DIR/<relative>.
std::string SourcePath(const std::string& relative);

}  // namespace dyad::testing
