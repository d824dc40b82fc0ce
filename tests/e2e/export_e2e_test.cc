// Streaming export end to end (issue 17, docs/export.md), with the real
// binaries: dyad-scalegen fills an events database (GDELT-shaped rows, a
// tenth of them the AZE-GEO dyad), dyad-events serves it, and `dyad export`
// reads the dyad's events
//   - through a TCP proxy that cuts the connection midway: the CLI resumes
//     on a new connection from the last token and writes every row exactly
//     once, in order;
//   - through a proxy that stalls midway, where the CLI is killed (SIGKILL):
//     `dyad export --resume` finishes the same file, every row exactly once;
//   - and a raw client that cancels after a few messages resumes with the
//     last token it read.
// Then the CSV is read back by the Python client (read_export_csv) and must
// equal the DataFrame the client makes from the stream itself.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using dyad::testing::SourcePath;
namespace ev = dyad::events::v1;

// A loopback TCP proxy to `upstream_port`. The first connection is cut
// (kCut: both sockets closed) or frozen (kStall: nothing more forwarded)
// once `after_bytes` bytes came back from the server; later connections
// pass everything.
class Proxy {
 public:
  enum Mode { kCut, kStall };
  Proxy(int upstream_port, Mode mode, int64_t after_bytes)
      : upstream_(upstream_port), mode_(mode), after_(after_bytes) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(listen_fd_, 16);
    socklen_t len = sizeof a;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~Proxy() {
    stop_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    close(listen_fd_);
    acceptor_.join();
    for (auto& t : pumps_) t.join();
  }
  int port() const { return port_; }
  int connections() const { return connections_; }
  bool tripped() const { return tripped_; }

 private:
  void AcceptLoop() {
    for (;;) {
      int client = accept(listen_fd_, nullptr, nullptr);
      if (client < 0 || stop_) {
        if (client >= 0) close(client);
        return;
      }
      const int n = connections_++;
      int server = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(upstream_);
      if (connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(client);
        close(server);
        continue;
      }
      pumps_.emplace_back([this, client, server, n] { Pump(client, server, n == 0); });
    }
  }
  void Pump(int client, int server, bool first) {
    int64_t back = 0;
    bool frozen = false;
    char buf[16384];
    while (!stop_) {
      pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
      if (poll(fds, frozen ? 0 : 2, 100) < 0) break;
      if (frozen) continue;
      bool closed = false;
      for (int i = 0; i < 2 && !closed; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          closed = true;
          break;
        }
        if (i == 1) back += n;
        if (write(fds[1 - i].fd, buf, n) != n) closed = true;
        if (first && i == 1 && back >= after_) {
          tripped_ = true;
          if (mode_ == kCut) closed = true;
          else frozen = true;
        }
      }
      if (closed) break;
    }
    shutdown(client, SHUT_RDWR);
    shutdown(server, SHUT_RDWR);
    close(client);
    close(server);
  }

  int upstream_;
  Mode mode_;
  int64_t after_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<bool> tripped_{false};
  std::thread acceptor_;
  std::vector<std::thread> pumps_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The first field of each data line of an export CSV (the names are plain
// "events/..." ids: never quoted).
std::vector<std::string> CsvNames(const std::string& csv) {
  std::vector<std::string> names;
  bool header = true;
  // Summaries may hold no newlines in this data (GDELT-shaped titles).
  for (absl::string_view line : absl::StrSplit(csv, '\n', absl::SkipEmpty())) {
    if (header) {
      header = false;
      continue;
    }
    names.emplace_back(line.substr(0, line.find(',')));
  }
  return names;
}

class ExportE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "/dyad-export-e2e-" + std::to_string(getpid()));
    ASSERT_EQ(system(("rm -rf " + *dir_ + " && mkdir -p " + *dir_).c_str()), 0);
    auto gen = ChildProcess::Start({BuildPath("bin/dyad-scalegen"), "--db=" + *dir_ + "/events.db",
                                    "--events=60000", "--shape=gdelt", "--batch=10000"});
    ASSERT_OK(gen);
    auto code = gen->Wait(absl::Seconds(240));
    ASSERT_OK(code);
    ASSERT_EQ(*code, 0) << gen->Output();
    auto server = dyad::testing::StartServer({BuildPath("bin/dyad-events"),
                                              "--db=" + *dir_ + "/events.db",
                                              "--plugins=" + BuildPath("plugins")});
    ASSERT_OK(server);
    server_ = new dyad::testing::Server(std::move(*server));
    // The reference: ListEvents page after page.
    auto stub = ev::EventService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port), grpc::InsecureChannelCredentials()));
    expected_ = new std::vector<std::string>();
    ev::ListEventsRequest req;
    req.add_countries("AZE");
    req.add_countries("GEO");
    req.set_page_size(500);
    for (;;) {
      grpc::ClientContext ctx;
      ev::ListEventsResponse resp;
      grpc::Status s = stub->ListEvents(&ctx, req, &resp);
      ASSERT_TRUE(s.ok()) << s.error_message();
      for (const auto& e : resp.events()) expected_->push_back(e.name());
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    ASSERT_GT(expected_->size(), 5000u);  // six messages or more
  }
  static void TearDownTestSuite() {
    if (server_) (void)server_->process.Stop(SIGTERM, absl::Seconds(10));
    delete server_;
    server_ = nullptr;
    if (dir_) (void)system(("rm -rf " + *dir_).c_str());
    delete dir_;
    delete expected_;
  }

  static ChildProcess StartCli(int port, std::vector<std::string> args) {
    std::vector<std::string> argv = {BuildPath("bin/dyad"), "--events",
                                     absl::StrCat("127.0.0.1:", port), "export", "events",
                                     "--countries", "AZE,GEO"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto p = ChildProcess::Start(argv);
    EXPECT_OK(p);
    return std::move(*p);
  }

  static std::string* dir_;
  static dyad::testing::Server* server_;
  static std::vector<std::string>* expected_;
};
std::string* ExportE2eTest::dir_ = nullptr;
dyad::testing::Server* ExportE2eTest::server_ = nullptr;
std::vector<std::string>* ExportE2eTest::expected_ = nullptr;

TEST_F(ExportE2eTest, CliResumesAfterTheConnectionIsCutAndWritesEveryRowOnce) {
  Proxy proxy(server_->port, Proxy::kCut, 600'000);  // a message or two in (about 2 MB in all)
  const std::string out = *dir_ + "/cut.csv";
  ChildProcess cli = StartCli(proxy.port(), {"--out", out, "--progress"});
  auto code = cli.Wait(absl::Seconds(120));
  ASSERT_OK(code);
  const std::string err = cli.Output();
  ASSERT_EQ(*code, 0) << err;
  EXPECT_TRUE(proxy.tripped());
  EXPECT_GE(proxy.connections(), 2) << err;
  EXPECT_TRUE(absl::StrContains(err, "connection lost after")) << err;
  EXPECT_TRUE(absl::StrContains(err, "resuming (1 of 5)")) << err;
  const std::vector<std::string> names = CsvNames(ReadFile(out));
  EXPECT_EQ(names.size(), expected_->size());
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size())
      << "a row was written twice";
  EXPECT_TRUE(names == *expected_) << "rows differ from ListEvents' pages";
  EXPECT_FALSE(std::ifstream(out + ".resume").good()) << "the resume file outlived the export";
}

TEST_F(ExportE2eTest, KilledCliIsFinishedByResumeWithEveryRowOnce) {
  Proxy proxy(server_->port, Proxy::kStall, 600'000);
  const std::string out = *dir_ + "/killed.csv";
  ChildProcess cli = StartCli(proxy.port(), {"--out", out});
  // Wait until rows were written and the stream stalls, then kill -9.
  for (int i = 0; i < 600 && !proxy.tripped(); ++i) absl::SleepFor(absl::Milliseconds(100));
  ASSERT_TRUE(proxy.tripped());
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_OK(cli.Stop(SIGKILL, absl::Seconds(10)));
  const std::string partial = ReadFile(out);
  const size_t partial_rows = CsvNames(partial).size();
  EXPECT_GT(partial_rows, 0u);
  EXPECT_LT(partial_rows, expected_->size());
  ASSERT_TRUE(std::ifstream(out + ".resume").good());
  // Junk after the last whole message (as a half-written write would
  // leave) is cut off by --resume.
  std::ofstream(out, std::ios::app) << "events/half-writ";

  ChildProcess again = StartCli(server_->port, {"--out", out, "--resume"});
  auto code = again.Wait(absl::Seconds(120));
  ASSERT_OK(code);
  ASSERT_EQ(*code, 0) << again.Output();
  const std::vector<std::string> names = CsvNames(ReadFile(out));
  EXPECT_EQ(names.size(), expected_->size());
  EXPECT_TRUE(names == *expected_) << "rows lost, repeated or out of order";
  const std::string csv = ReadFile(out);
  EXPECT_EQ(csv.find("name,kind,domain"), 0u);
  EXPECT_EQ(csv.find("name,kind,domain", 1), std::string::npos) << "header written twice";
}

TEST_F(ExportE2eTest, RawClientCancelsMidwayAndResumesFromItsLastToken) {
  auto stub = ev::EventService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", server_->port), grpc::InsecureChannelCredentials()));
  ev::ExportEventsRequest req;
  req.add_countries("AZE");
  req.add_countries("GEO");
  std::vector<std::string> names;
  std::string token;
  {
    grpc::ClientContext ctx;
    auto reader = stub->ExportEvents(&ctx, req);
    ev::ExportEventsResponse m;
    for (int i = 0; i < 3 && reader->Read(&m); ++i) {
      for (const auto& e : m.events()) names.push_back(e.name());
      token = m.resume_token();
    }
    ctx.TryCancel();
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  ASSERT_FALSE(token.empty());
  ASSERT_LT(names.size(), expected_->size());
  req.set_resume_token(token);
  grpc::ClientContext ctx;
  auto reader = stub->ExportEvents(&ctx, req);
  ev::ExportEventsResponse m;
  while (reader->Read(&m)) {
    for (const auto& e : m.events()) names.push_back(e.name());
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(names == *expected_);
}

TEST_F(ExportE2eTest, CsvRoundTripsIntoThePythonClientsDataFrame) {
  const std::string out = *dir_ + "/frame.csv";
  ChildProcess cli = StartCli(server_->port, {"--out", out});
  auto code = cli.Wait(absl::Seconds(120));
  ASSERT_OK(code);
  ASSERT_EQ(*code, 0) << cli.Output();
  if (system("/usr/bin/python3 -c 'import grpc, pandas' 2>/dev/null") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with grpcio and pandas is needed";
  }
  const std::string script = *dir_ + "/roundtrip.py";
  std::ofstream(script) << R"(import sys
import pandas
import dyad_client
csv, target = sys.argv[1], sys.argv[2]
from_csv = dyad_client.read_export_csv(csv)
with dyad_client.connect(target, events=target) as dyad:
    stream = dyad.export_events(countries=["AZE", "GEO"])
    from_stream = stream.to_dataframe()
    rows = list(dyad.export_events(countries=["AZE", "GEO"]))
pandas.testing.assert_frame_equal(from_csv, from_stream)
assert [r["name"] for r in rows] == list(from_stream["name"])
assert stream.estimated_total == len(from_stream), (stream.estimated_total, len(from_stream))
print("roundtrip ok", len(from_csv), "rows", len(from_csv.columns), "columns")
)";
  auto py = ChildProcess::Start(
      {"/usr/bin/python3", script, out, absl::StrCat("127.0.0.1:", server_->port)},
      {"PYTHONPATH=" + SourcePath("clients/python"), "DYAD_BUILD_DIR=" + BuildPath(""),
       "PYTHONDONTWRITEBYTECODE=1"});
  ASSERT_OK(py);
  auto rc = py->Wait(absl::Seconds(120));
  ASSERT_OK(rc);
  const std::string output = py->Output();
  EXPECT_EQ(*rc, 0) << output;
}

}  // namespace
}  // namespace dyad
