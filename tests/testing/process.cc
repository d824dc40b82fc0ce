#include "testing/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace dyad::testing {

absl::StatusOr<Server> StartServer(std::vector<std::string> argv, const std::string& host) {
  argv.push_back("--port=0");
  argv.push_back("--host=" + host);
  auto p = ChildProcess::Start(argv);
  if (!p.ok()) return p.status();
  auto out = p->WaitForOutput("serving ", absl::Seconds(30));
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
  fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
  return ChildProcess(pid, pipefd[0]);
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(o.pid_), fd_(o.fd_), output_(std::move(o.output_)) {
  o.pid_ = -1;
  o.fd_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
  std::swap(pid_, o.pid_);
  std::swap(fd_, o.fd_);
  std::swap(output_, o.output_);
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (fd_ >= 0) close(fd_);
}

void ChildProcess::Drain(absl::Duration wait) {
  if (fd_ < 0) return;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(wait))) <= 0) return;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd_, buf, sizeof(buf));
    if (n <= 0) break;
    output_.append(buf, static_cast<size_t>(n));
  }
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
  const std::string key = " port=";
  size_t pos = log.find("serving ");
  if (pos == std::string::npos) return 0;
  pos = log.find(key, pos);
  if (pos == std::string::npos) return 0;
  pos += key.size();
  size_t end = log.find_first_not_of("0123456789", pos);
  int port = 0;
  absl::SimpleAtoi(log.substr(pos, end - pos), &port);
  return port;
}

std::string BuildPath(const std::string& relative) {
  return absl::StrCat(DYAD_BUILD_DIR, "/", relative);
}

std::string SourcePath(const std::string& relative) {
  return absl::StrCat(DYAD_SOURCE_DIR, "/", relative);
}

}  // namespace dyad::testing
