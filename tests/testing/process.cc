#include "testing/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace dyad::testing {

absl::StatusOr<Server> StartServer(std::vector<std::string> argv, const std::string& host) {
  argv.push_back("--port=0");
  argv.push_back("--host=" + host);
  auto p = ChildProcess::Start(argv);
  if (!p.ok()) return p.status();
  const bool json = std::find(argv.begin(), argv.end(), "--log_format=json") != argv.end();
  auto out = p->WaitForOutput(json ? "\"msg\":\"serving\"" : "serving ", absl::Seconds(30));
  if (!out.ok()) return out.status();
  const int port = ParseServingPort(*out);
  if (port == 0) return absl::InternalError(absl::StrCat("no port in the serving line: ", *out));
  return Server{std::move(*p), port};
}

absl::StatusOr<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                                 const std::vector<std::string>& env) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) envs.emplace_back(*e);
  for (const auto& e : env) envs.push_back(e);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // Child: stderr (and stdout) into the pipe; default signal mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(pipefd[1], STDERR_FILENO);
    dup2(pipefd[1], STDOUT_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : envs) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(pipefd[1]);
  return ChildProcess(pid, pipefd[0]);
}

struct ChildProcess::Reader {
  explicit Reader(int fd) : fd(fd), thread([this] { Run(); }) {}
  ~Reader() {
    thread.join();  // returns at end of file: the child has exited (or was killed)
    close(fd);
  }
  void Run() {
    char chunk[16384];
    for (;;) {
      const ssize_t n = read(fd, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard<std::mutex> lock(mu);
      if (n <= 0) {
        eof = true;
        cv.notify_all();
        return;
      }
      buf.append(chunk, static_cast<size_t>(n));
      cv.notify_all();
    }
  }
  const int fd;
  std::mutex mu;
  std::condition_variable cv;
  std::string buf;
  bool eof = false;
  std::thread thread;
};

ChildProcess::ChildProcess(int pid, int fd) : pid_(pid), reader_(std::make_shared<Reader>(fd)) {}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(o.pid_), reader_(std::move(o.reader_)), output_(std::move(o.output_)) {
  o.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
  std::swap(pid_, o.pid_);
  std::swap(reader_, o.reader_);
  std::swap(output_, o.output_);
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  reader_.reset();
}

void ChildProcess::Drain(absl::Duration wait) {
  if (reader_ == nullptr) return;
  std::unique_lock<std::mutex> lock(reader_->mu);
  if (wait > absl::ZeroDuration()) {
    const size_t seen = output_.size();
    reader_->cv.wait_for(lock, absl::ToChronoMilliseconds(wait), [&] {
      return reader_->eof || reader_->buf.size() > seen;
    });
  }
  output_ = reader_->buf;
}

std::string ChildProcess::Output() {
  Drain(absl::ZeroDuration());
  return output_;
}

absl::StatusOr<std::string> ChildProcess::WaitForOutput(const std::string& needle,
                                                        absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (output_.find(needle) == std::string::npos) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("no \"", needle, "\" within ", absl::FormatDuration(timeout),
                       "; output so far:\n", output_));
    }
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      Drain(absl::Milliseconds(100));
      if (output_.find(needle) != std::string::npos) break;
      return absl::FailedPreconditionError(
          absl::StrCat("process exited before \"", needle, "\"; output:\n", output_));
    }
    Drain(absl::Milliseconds(50));
  }
  return output_;
}

absl::StatusOr<int> ChildProcess::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (pid_ > 0) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      Drain(absl::Milliseconds(50));
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    if (absl::Now() > deadline) return absl::DeadlineExceededError("process did not exit");
    Drain(absl::Milliseconds(20));
  }
  return absl::FailedPreconditionError("process not running");
}

absl::StatusOr<int> ChildProcess::Stop(int signal, absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("process not running");
  kill(pid_, signal);
  return Wait(timeout);
}

int ParseServingPort(const std::string& log) {
  // Text: "... serving service=... port=N ..."; JSON (--log_format=json):
  // {"msg":"serving",...,"port":N,...}.
  size_t pos = log.find("serving ");
  std::string key = " port=";
  if (pos == std::string::npos) {
    pos = log.find("\"msg\":\"serving\"");
    key = "\"port\":";
  }
  if (pos == std::string::npos) return 0;
  pos = log.find(key, pos);
  if (pos == std::string::npos) return 0;
  pos += key.size();
  size_t end = log.find_first_not_of("0123456789", pos);
  int port = 0;
  absl::SimpleAtoi(log.substr(pos, end - pos), &port);
  return port;
}

absl::StatusOr<std::string> HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot connect to 127.0.0.1:", port));
  }
  const std::string req = absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return absl::InternalError("write failed");
  }
  std::string resp;
  char buf[16384];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) resp.append(buf, static_cast<size_t>(n));
  close(fd);
  const size_t head_end = resp.find("\r\n\r\n");
  if (head_end == std::string::npos) return absl::InternalError("no HTTP response: " + resp);
  const std::string status_line = resp.substr(0, resp.find("\r\n"));
  if (status_line.find(" 200") == std::string::npos) {
    return absl::InternalError("HTTP status: " + status_line);
  }
  return resp.substr(head_end + 4);
}

double MetricValue(const std::string& body, const std::string& series) {
  size_t pos = 0;
  while ((pos = body.find(series + " ", pos)) != std::string::npos) {
    if (pos == 0 || body[pos - 1] == '\n') {
      const size_t start = pos + series.size() + 1;
      const size_t end = body.find('\n', start);
      double v = -1;
      if (absl::SimpleAtod(body.substr(start, end - start), &v)) return v;
      return -1;
    }
    pos += series.size();
  }
  return -1;
}

std::string BuildPath(const std::string& relative) {
  return absl::StrCat(DYAD_BUILD_DIR, "/", relative);
}

std::string SourcePath(const std::string& relative) {
  return absl::StrCat(DYAD_SOURCE_DIR, "/", relative);
}

}  // namespace dyad::testing
