// TLS and mutual TLS on a real dyad-events, with certificates made for the
// test by openssl (a CA, a server certificate for 127.0.0.1/localhost, and a
// client certificate).
#include <signal.h>
#include <unistd.h>

#include <map>

#include <grpcpp/grpcpp.h>

#include "common/tls.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "dyad/gateway/v1/gateway.grpc.pb.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using namespace dyad::events::v1;  // NOLINT

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = ::testing::TempDir() + "/tls_" + std::to_string(getpid());
    const std::string script = R"(set -e
cd ")" + dir_ + R"("
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=dyad-test-ca -keyout ca.key -out ca.pem 2>/dev/null
make() {
  openssl req -newkey rsa:2048 -nodes -subj /CN=$1 -keyout $1.key -out $1.csr 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=%s\n' "$2" > $1.ext
  openssl x509 -req -in $1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile $1.ext -out $1.pem 2>/dev/null
}
make server serverAuth
make client clientAuth
)";
    ASSERT_EQ(system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "' && bash -c '" +
                      "$0' <<'EOF'\n" + script + "EOF\n").c_str()),
              0);
  }
  static void TearDownTestSuite() { (void)system(("rm -rf '" + dir_ + "'").c_str()); }

  absl::StatusOr<ChildProcess> Start(bool mutual) {
    std::vector<std::string> argv = {BuildPath("bin/dyad-events"), "--port=0", "--host=127.0.0.1",
                                     "--db=:memory:", "--plugins=" + BuildPath("fixtures/good"),
                                     "--tls_cert_file=" + dir_ + "/server.pem",
                                     "--tls_key_file=" + dir_ + "/server.key"};
    if (mutual) argv.push_back("--tls_client_ca_file=" + dir_ + "/ca.pem");
    auto p = ChildProcess::Start(argv);
    if (!p.ok()) return p.status();
    auto out = p->WaitForOutput("serving ", absl::Seconds(30));
    if (!out.ok()) return out.status();
    port_ = dyad::testing::ParseServingPort(*out);
    return p;
  }

  grpc::Status Call(std::shared_ptr<grpc::ChannelCredentials> creds) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    auto stub = EventService::NewStub(
        grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port_), creds, args));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    ListEventKindsResponse resp;
    return stub->ListEventKinds(&ctx, ListEventKindsRequest(), &resp);
  }

  static std::string dir_;
  int port_ = 0;
};
std::string TlsTest::dir_;

TEST_F(TlsTest, TlsServesTrustingClientsAndRefusesPlaintext) {
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(/*mutual=*/false));
  ASSERT_OK_AND_ASSIGN(auto tls, MakeChannelCredentials({dir_ + "/ca.pem", "", ""}));
  grpc::Status s = Call(tls);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(Call(grpc::InsecureChannelCredentials()).ok());
}

TEST_F(TlsTest, MutualTlsNeedsAClientCertificate) {
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(/*mutual=*/true));
  ASSERT_OK_AND_ASSIGN(auto no_cert, MakeChannelCredentials({dir_ + "/ca.pem", "", ""}));
  EXPECT_FALSE(Call(no_cert).ok());
  ASSERT_OK_AND_ASSIGN(auto with_cert, MakeChannelCredentials({dir_ + "/ca.pem",
                                                              dir_ + "/client.pem",
                                                              dir_ + "/client.key"}));
  grpc::Status s = Call(with_cert);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TlsTest, HalfConfiguredTlsStopsStartup) {
  auto p = ChildProcess::Start({BuildPath("bin/dyad-events"), "--port=0", "--host=127.0.0.1",
                                "--db=:memory:", "--tls_cert_file=" + dir_ + "/server.pem"});
  ASSERT_OK(p);
  ASSERT_OK_AND_ASSIGN(int code, p->Wait(absl::Seconds(20)));
  EXPECT_EQ(code, 1);
  EXPECT_THAT(p->Output(), ::testing::HasSubstr("tls_key_file"));
}

// The gateway's backend TLS flags: three backends serving mutual TLS, and
// gateways with the CA and a client certificate (every part OK), with the
// CA only (no client certificate: the backends refuse it), and with no TLS
// at all; each gateway still answers, naming the parts it could not get.
TEST_F(TlsTest, GatewayReachesBackendsOverMutualTls) {
  namespace gw = dyad::gateway::v1;
  std::vector<ChildProcess> backends;
  std::vector<std::string> targets;
  for (const char* name : {"events", "economics", "institutions"}) {
    ASSERT_OK_AND_ASSIGN(
        ChildProcess p,
        ChildProcess::Start({BuildPath(std::string("bin/dyad-") + name), "--port=0",
                             "--host=127.0.0.1", "--db=:memory:", "--plugins=" + BuildPath("plugins"),
                             "--tls_cert_file=" + dir_ + "/server.pem",
                             "--tls_key_file=" + dir_ + "/server.key",
                             "--tls_client_ca_file=" + dir_ + "/ca.pem"}));
    ASSERT_OK_AND_ASSIGN(std::string out, p.WaitForOutput("serving ", absl::Seconds(30)));
    targets.push_back("127.0.0.1:" + std::to_string(dyad::testing::ParseServingPort(out)));
    backends.push_back(std::move(p));
  }
  auto parts_with = [&](std::vector<std::string> tls_flags) -> std::map<std::string, std::string> {
    std::vector<std::string> argv = {BuildPath("bin/dyad-gateway"), "--events=" + targets[0],
                                     "--economics=" + targets[1], "--institutions=" + targets[2],
                                     "--backend_timeout=3s"};
    argv.insert(argv.end(), tls_flags.begin(), tls_flags.end());
    auto g = dyad::testing::StartServer(argv);
    EXPECT_OK(g);
    if (!g.ok()) return {};
    auto stub = gw::RelationsGateway::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(g->port), grpc::InsecureChannelCredentials()));
    gw::GetYearInReviewRequest req;
    req.add_countries("AZE");
    req.add_countries("CHN");
    req.set_year(2019);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    gw::GetYearInReviewResponse resp;
    grpc::Status s = stub->GetYearInReview(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::map<std::string, std::string> parts;
    for (const auto& p : resp.parts()) parts[p.part()] = p.code();
    if (parts["events"] == "OK") {
      EXPECT_GT(resp.events_size(), 0);
    }
    EXPECT_EQ(g->process.Stop(SIGTERM, absl::Seconds(20)).value_or(-1), 0);
    return parts;
  };
  const std::map<std::string, std::string> all_ok = {
      {"events", "OK"}, {"economics", "OK"}, {"institutions", "OK"}};
  const std::map<std::string, std::string> none = {
      {"events", "UNAVAILABLE"}, {"economics", "UNAVAILABLE"}, {"institutions", "UNAVAILABLE"}};
  EXPECT_EQ(parts_with({"--backend_ca_file=" + dir_ + "/ca.pem",
                        "--backend_cert_file=" + dir_ + "/client.pem",
                        "--backend_key_file=" + dir_ + "/client.key"}),
            all_ok);
  EXPECT_EQ(parts_with({"--backend_ca_file=" + dir_ + "/ca.pem"}), none);
  EXPECT_EQ(parts_with({}), none);
  // A client certificate without the CA to check the backends stops start-up.
  auto p = ChildProcess::Start({BuildPath("bin/dyad-gateway"), "--port=0", "--host=127.0.0.1",
                                "--backend_cert_file=" + dir_ + "/client.pem",
                                "--backend_key_file=" + dir_ + "/client.key"});
  ASSERT_OK(p);
  ASSERT_OK_AND_ASSIGN(int code, p->Wait(absl::Seconds(20)));
  EXPECT_EQ(code, 1);
  EXPECT_THAT(p->Output(), ::testing::HasSubstr("needs the CA file"));
}

}  // namespace
}  // namespace dyad
