// InstitutionCore without gRPC: filters, ordering, pagination, memberships,
// writes, and plugin record loading.
#include "institution_core.h"

#include <unistd.h>

#include "absl/strings/match.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::institutions {
namespace {

using namespace dyad::institutions::v1;  // NOLINT
using ::testing::ElementsAre;

std::vector<std::string> Names(const ListInstitutionsResponse& r) {
  std::vector<std::string> out;
  for (const auto& i : r.institutions()) out.push_back(i.name());
  return out;
}

class InstitutionCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PluginHostOptions o;
    o.paths = {dyad::testing::BuildPath("fixtures/institutions/fixture_institutions.so")};
    ASSERT_OK_AND_ASSIGN(plugins_, PluginSet::Load(o));
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteInstitutionStore(":memory:"));
    core_ = std::make_unique<InstitutionCore>(std::move(store), plugins_.get());
    ASSERT_OK(core_->LoadPluginRecords());
  }

  Institution NewInstitution() {
    Institution i;
    i.set_display_name("Friendship Centre");
    i.set_kind("edu.institute");
    i.set_host_country("AZE");
    i.set_city("Baku");
    i.mutable_founded()->set_year(2020);
    i.add_countries("AZE");
    i.add_partners("institutions/city-university");
    auto* c = i.add_citations();
    c->set_source_id("inst-fixture");
    c->set_locator("p9");
    return i;
  }

  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<InstitutionCore> core_;
};

TEST_F(InstitutionCoreTest, OrderedByFoundingUnknownLast) {
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListInstitutions(ListInstitutionsRequest()));
  EXPECT_THAT(Names(r), ElementsAre("institutions/language-institute", "institutions/institute-branch",
                                    "institutions/regional-bank", "institutions/city-university",
                                    "institutions/planned-university"));
  EXPECT_EQ(r.total_size(), 5);
  EXPECT_EQ(r.institutions(0).plugin(), "fixture_institutions");
}

TEST_F(InstitutionCoreTest, KindPrefixesCountriesHostAndCity) {
  ListInstitutionsRequest req;
  req.add_kinds("edu.institute");  // matches the sub-kind too
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListInstitutions(req));
  EXPECT_THAT(Names(r), ElementsAre("institutions/language-institute", "institutions/institute-branch"));
  req.Clear();
  req.add_kinds("edu");  // a prefix stops at a dot, so "edu" matches every edu.* kind
  ASSERT_OK_AND_ASSIGN(r, core_->ListInstitutions(req));
  EXPECT_EQ(r.total_size(), 4);
  req.Clear();
  req.add_countries("AZE");
  req.add_countries("CHN");
  ASSERT_OK_AND_ASSIGN(r, core_->ListInstitutions(req));
  EXPECT_EQ(r.total_size(), 3);
  req.Clear();
  req.set_host_country("AZE");
  req.set_city("gAnJa");
  ASSERT_OK_AND_ASSIGN(r, core_->ListInstitutions(req));
  EXPECT_THAT(Names(r), ElementsAre("institutions/institute-branch"));
}

TEST_F(InstitutionCoreTest, FoundedRangeOverlapsAndSkipsUnknownDates) {
  ListInstitutionsRequest req;
  req.mutable_founded()->mutable_start()->set_year(2011);
  req.mutable_founded()->mutable_end()->set_year(2013);
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListInstitutions(req));
  EXPECT_THAT(Names(r), ElementsAre("institutions/language-institute", "institutions/institute-branch"));
  req.mutable_founded()->clear_end();
  req.mutable_founded()->mutable_start()->set_year(2016);
  ASSERT_OK_AND_ASSIGN(r, core_->ListInstitutions(req));
  EXPECT_THAT(Names(r), ElementsAre("institutions/regional-bank"));
}

TEST_F(InstitutionCoreTest, FullTextOverNameAndDescription) {
  ListInstitutionsRequest req;
  req.set_query("textbook");
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListInstitutions(req));
  EXPECT_THAT(Names(r), ElementsAre("institutions/language-institute"));
  req.set_query("'; DROP TABLE institutions; --");
  ASSERT_OK_AND_ASSIGN(r, core_->ListInstitutions(req));
  EXPECT_EQ(r.total_size(), 0);
}

TEST_F(InstitutionCoreTest, PagesFollowTheCursor) {
  ListInstitutionsRequest req;
  req.set_page_size(2);
  std::vector<std::string> all;
  for (int pages = 0; pages < 5; ++pages) {
    ASSERT_OK_AND_ASSIGN(auto r, core_->ListInstitutions(req));
    for (const auto& i : r.institutions()) all.push_back(i.name());
    if (r.next_page_token().empty()) break;
    req.set_page_token(r.next_page_token());
  }
  EXPECT_EQ(all.size(), 5u);
  req.set_page_token("bad");
  EXPECT_STATUS(core_->ListInstitutions(req), absl::StatusCode::kInvalidArgument, "page_token");
}

TEST_F(InstitutionCoreTest, BadFiltersNameTheField) {
  ListInstitutionsRequest req;
  req.set_page_size(-1);
  EXPECT_STATUS(core_->ListInstitutions(req), absl::StatusCode::kInvalidArgument, "page_size");
  req.Clear();
  req.set_host_country("XX");
  EXPECT_STATUS(core_->ListInstitutions(req), absl::StatusCode::kInvalidArgument, "host_country");
  req.Clear();
  req.mutable_founded()->mutable_start()->set_year(2012);
  req.mutable_founded()->mutable_start()->set_month(13);
  EXPECT_STATUS(core_->ListInstitutions(req), absl::StatusCode::kInvalidArgument, "founded.start.month");
  req.Clear();
  req.mutable_founded()->mutable_start()->set_year(2012);
  req.mutable_founded()->mutable_end()->set_year(2011);
  EXPECT_STATUS(core_->ListInstitutions(req), absl::StatusCode::kInvalidArgument, "founded.end");
}

TEST_F(InstitutionCoreTest, GetAndNotFound) {
  GetInstitutionRequest req;
  req.set_name("institutions/institute-branch");
  ASSERT_OK_AND_ASSIGN(Institution i, core_->GetInstitution(req));
  EXPECT_EQ(i.parent(), "institutions/language-institute");
  EXPECT_EQ(i.founded().year(), 2013);
  req.set_name("institutions/none");
  EXPECT_STATUS(core_->GetInstitution(req), absl::StatusCode::kNotFound, "institutions/none");
  req.set_name("events/x");
  EXPECT_STATUS(core_->GetInstitution(req), absl::StatusCode::kInvalidArgument, "name");
}

TEST_F(InstitutionCoreTest, MembershipsFilterAndCarryTheOrganizationName) {
  ListMembershipsRequest req;
  req.set_country("AZE");
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListMemberships(req));
  ASSERT_EQ(r.memberships_size(), 1);
  EXPECT_EQ(r.memberships(0).organization_display_name(), "Regional Investment Bank");
  req.Clear();
  req.set_organization("institutions/regional-bank");
  ASSERT_OK_AND_ASSIGN(r, core_->ListMemberships(req));
  EXPECT_EQ(r.memberships_size(), 2);
  EXPECT_EQ(r.memberships(0).country(), "AZE");
  req.set_organization("regional-bank");
  EXPECT_STATUS(core_->ListMemberships(req), absl::StatusCode::kInvalidArgument, "organization");
  req.Clear();
  req.set_country("aze");
  EXPECT_STATUS(core_->ListMemberships(req), absl::StatusCode::kInvalidArgument, "country");
}

TEST_F(InstitutionCoreTest, CreateValidatesAndStores) {
  CreateInstitutionRequest req;
  *req.mutable_institution() = NewInstitution();
  req.mutable_institution()->set_plugin("forged");
  ASSERT_OK_AND_ASSIGN(Institution i, core_->CreateInstitution(req));
  EXPECT_TRUE(absl::StartsWith(i.name(), "institutions/friendship-centre-")) << i.name();
  EXPECT_EQ(i.plugin(), "");
  req.set_institution_id("chosen");
  ASSERT_OK(core_->CreateInstitution(req));
  EXPECT_STATUS(core_->CreateInstitution(req), absl::StatusCode::kAlreadyExists, "institutions/chosen");
  ASSERT_OK_AND_ASSIGN(auto list, core_->ListInstitutions(ListInstitutionsRequest()));
  EXPECT_EQ(list.total_size(), 7);
}

TEST_F(InstitutionCoreTest, CreateRejectsBadInstitutionsNamingTheField) {
  struct Case {
    std::function<void(Institution&)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](Institution& i) { i.clear_display_name(); }, "institution.display_name"},
      {[](Institution& i) { i.set_kind("nope"); }, "institution.kind"},
      {[](Institution& i) { i.set_host_country("Azerbaijan"); }, "institution.host_country"},
      {[](Institution& i) { i.add_countries("ZZZ"); }, "institution.countries[1]"},
      {[](Institution& i) { i.mutable_founded()->set_month(13); }, "institution.founded.month"},
      {[](Institution& i) { i.mutable_closed()->set_year(2019); }, "institution.closed"},
      {[](Institution& i) { i.add_partners("institutions/ghost"); }, "institution.partners[1]"},
      {[](Institution& i) { i.set_parent("institutions/ghost"); }, "institution.parent"},
      {[](Institution& i) { i.clear_citations(); }, "institution.citations"},
      {[](Institution& i) { i.set_description(std::string(5000, 'x')); }, "institution.description"},
  };
  for (const auto& c : cases) {
    CreateInstitutionRequest req;
    *req.mutable_institution() = NewInstitution();
    c.mutate(*req.mutable_institution());
    EXPECT_STATUS(core_->CreateInstitution(req), absl::StatusCode::kInvalidArgument, c.field);
  }
}

TEST_F(InstitutionCoreTest, KindsAndSources) {
  ListInstitutionKindsRequest req;
  ASSERT_OK_AND_ASSIGN(auto kinds, core_->ListInstitutionKinds(req));
  EXPECT_EQ(kinds.kinds_size(), 4);
  req.set_domain("economy");
  ASSERT_OK_AND_ASSIGN(kinds, core_->ListInstitutionKinds(req));
  ASSERT_EQ(kinds.kinds_size(), 1);
  EXPECT_EQ(kinds.kinds(0).id(), "org.bank");
  EXPECT_EQ(core_->ListSources().sources(0).id(), "inst-fixture");
}

TEST(InstitutionStoreTest, ApiRecordsSurvivePluginReloadsAndRestarts) {
  const std::string path = ::testing::TempDir() + "/inst_store_" + std::to_string(getpid()) + ".db";
  Institution api;
  api.set_name("institutions/api");
  api.set_display_name("API");
  api.set_kind("k");
  Institution plugin = api;
  plugin.set_name("institutions/p");
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteInstitutionStore(path));
    ASSERT_OK(store->Insert(api));
    ASSERT_OK_AND_ASSIGN(auto o, store->SyncPlugin("p", "1", "f", {plugin}));
    EXPECT_EQ(o, SyncOutcome::kLoaded);
    ASSERT_OK_AND_ASSIGN(o, store->SyncPlugin("p", "1", "f", {plugin}));
    EXPECT_EQ(o, SyncOutcome::kUnchanged);
  }
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteInstitutionStore(path));
  EXPECT_OK(store->Get("institutions/api"));
  ASSERT_OK_AND_ASSIGN(auto removed, store->RemovePluginsExcept({}));
  EXPECT_EQ(removed.size(), 1u);
  EXPECT_STATUS(store->Get("institutions/p"), absl::StatusCode::kNotFound, "institutions/p");
  EXPECT_OK(store->Get("institutions/api"));
  EXPECT_STATUS(store->SyncPlugin("q", "1", "f", {api}), absl::StatusCode::kFailedPrecondition,
                "already taken");
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
}

}  // namespace
}  // namespace dyad::institutions
