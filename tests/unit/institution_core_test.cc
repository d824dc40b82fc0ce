// InstitutionCore without gRPC, over the fixture plugin
// (tests/fixtures/institutions): every ListInstitutions filter, ordering and
// pagination, validation naming the field, memberships, writes, kinds and
// sources, and plugin record loading across upgrades and removal.
#include "institution_core.h"

#include <unistd.h>

#include "absl/strings/match.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::institutions {
namespace {

using namespace dyad::institutions::v1;  // NOLINT
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kV1[] = "fixtures/institutions/fixture_institutions.so";
constexpr char kV2[] = "fixtures/institutions_v2/fixture_institutions.so";

// Every fixture institution in the order ListInstitutions returns them.
const std::vector<std::string>& AllInOrder() {
  static const auto* all = new std::vector<std::string>{
      "institutions/asia-forum",         // October 1992
      "institutions/closed-centre",      // 1998
      "institutions/language-institute", // April 2011
      "institutions/institute-branch",   // 2013
      "institutions/institute-annex",    // 20 May 2013
      "institutions/regional-bank",      // 16 January 2016
      "institutions/city-university",    // undated, then by name
      "institutions/planned-university",
  };
  return *all;
}

struct PartialDateInit {
  int year = 0;
  int month = 0;
  int day = 0;
};

std::vector<std::string> Names(const ListInstitutionsResponse& r) {
  std::vector<std::string> out;
  for (const auto& i : r.institutions()) out.push_back(i.name());
  return out;
}

std::unique_ptr<PluginSet> LoadFixture(const char* relative) {
  PluginHostOptions o;
  o.paths = {dyad::testing::BuildPath(relative)};
  auto set = PluginSet::Load(o);
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? std::move(*set) : nullptr;
}

class InstitutionCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plugins_ = LoadFixture(kV1);
    ASSERT_NE(plugins_, nullptr);
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteInstitutionStore(":memory:"));
    core_ = std::make_unique<InstitutionCore>(std::move(store), plugins_.get());
    ASSERT_OK(core_->LoadPluginRecords());
  }

  // The names ListInstitutions returns for `req` (all pages), checking that
  // total_size agrees.
  std::vector<std::string> List(ListInstitutionsRequest req) {
    auto r = core_->ListInstitutions(req);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {};
    EXPECT_TRUE(r->next_page_token().empty());
    EXPECT_EQ(r->total_size(), r->institutions_size());
    return Names(*r);
  }

  static Institution NewInstitution() {
    Institution i;
    i.set_display_name("Friendship Centre");
    i.set_kind("edu.institute");
    i.set_host_country("AZE");
    i.set_city("Baku");
    i.mutable_founded()->set_year(2020);
    i.set_status(Institution::STATUS_ACTIVE);
    i.add_countries("AZE");
    i.add_partners("institutions/city-university");
    i.set_parent("institutions/language-institute");
    i.set_description("A centre written through the API.");
    auto* c = i.add_citations();
    c->set_source_id("inst-fixture");
    c->set_locator("p9");
    return i;
  }

  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<InstitutionCore> core_;
};

TEST_F(InstitutionCoreTest, OrderedByFoundingThenNameUndatedLast) {
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListInstitutions(ListInstitutionsRequest()));
  EXPECT_EQ(Names(r), AllInOrder());
  EXPECT_EQ(r.total_size(), 8);
  EXPECT_TRUE(r.next_page_token().empty());
  for (const auto& i : r.institutions()) {
    EXPECT_EQ(i.plugin(), "fixture_institutions") << i.name();
    EXPECT_GE(i.citations_size(), 1) << i.name();
  }
}

TEST_F(InstitutionCoreTest, KindsMatchIdsAndDottedPrefixes) {
  ListInstitutionsRequest req;
  req.add_kinds("edu.institute");  // the sub-kind too, not the "edu.institute-annex" neighbour
  EXPECT_THAT(List(req), ElementsAre("institutions/closed-centre", "institutions/language-institute",
                                     "institutions/institute-branch"));
  req.Clear();
  req.add_kinds("edu");
  EXPECT_THAT(List(req), ElementsAre("institutions/closed-centre", "institutions/language-institute",
                                     "institutions/institute-branch", "institutions/institute-annex",
                                     "institutions/city-university",
                                     "institutions/planned-university"));
  req.Clear();
  req.add_kinds("ed");  // a prefix ends at a dot
  EXPECT_TRUE(List(req).empty());
  req.Clear();
  req.add_kinds("edu.institute-annex");
  EXPECT_THAT(List(req), ElementsAre("institutions/institute-annex"));
  req.Clear();
  req.add_kinds("org.forum");
  req.add_kinds("org.bank");
  req.add_kinds("org.bank");
  EXPECT_THAT(List(req), ElementsAre("institutions/asia-forum", "institutions/regional-bank"));
  req.Clear();
  req.add_kinds("no.such.kind");
  EXPECT_TRUE(List(req).empty());
}

TEST_F(InstitutionCoreTest, CountriesMatchMembersOrTheHost) {
  ListInstitutionsRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  EXPECT_THAT(List(req), ElementsAre("institutions/asia-forum", "institutions/language-institute",
                                     "institutions/institute-branch",
                                     "institutions/planned-university"));
  // closed-centre lists only CHN but is hosted in KAZ.
  req.Clear();
  req.add_countries("KAZ");
  req.add_countries("CHN");
  EXPECT_THAT(List(req), ElementsAre("institutions/asia-forum", "institutions/closed-centre"));
  req.Clear();
  req.add_countries("AZE");
  req.add_countries("AZE");
  EXPECT_THAT(List(req), ElementsAre("institutions/asia-forum", "institutions/language-institute",
                                     "institutions/institute-branch", "institutions/city-university",
                                     "institutions/planned-university"));
  req.Clear();
  req.add_countries("ARM");
  EXPECT_TRUE(List(req).empty());
}

TEST_F(InstitutionCoreTest, HostCountryAndCaseInsensitiveCity) {
  ListInstitutionsRequest req;
  req.set_host_country("CHN");  // regional-bank has no host
  EXPECT_THAT(List(req), ElementsAre("institutions/institute-annex"));
  req.Clear();
  req.set_city("BAKU");
  EXPECT_THAT(List(req), ElementsAre("institutions/language-institute",
                                     "institutions/city-university"));
  req.Clear();
  req.set_city("almaty");  // stored as "ALMATY"
  EXPECT_THAT(List(req), ElementsAre("institutions/closed-centre"));
  req.Clear();
  req.set_host_country("AZE");
  req.set_city("gAnJa");
  EXPECT_THAT(List(req), ElementsAre("institutions/institute-branch"));
  req.set_city("Bak");  // exact, not a prefix
  EXPECT_TRUE(List(req).empty());
}

TEST_F(InstitutionCoreTest, FoundedOverlapsAndSkipsUndated) {
  auto founded = [](PartialDateInit start, PartialDateInit end) {
    ListInstitutionsRequest req;
    auto set = [](dyad::type::v1::PartialDate* d, PartialDateInit v) {
      if (v.year) {
        d->set_year(v.year);
        d->set_month(v.month);
        d->set_day(v.day);
      }
    };
    set(req.mutable_founded()->mutable_start(), start);
    set(req.mutable_founded()->mutable_end(), end);
    return req;
  };
  EXPECT_THAT(List(founded({2011}, {2013})),
              ElementsAre("institutions/language-institute", "institutions/institute-branch",
                          "institutions/institute-annex"));
  EXPECT_THAT(List(founded({2016}, {})), ElementsAre("institutions/regional-bank"));
  EXPECT_THAT(List(founded({}, {1995})), ElementsAre("institutions/asia-forum"));
  // "1998" overlaps June 1998; "2013" overlaps March..June 2013.
  EXPECT_THAT(List(founded({1998, 6}, {1998, 6})), ElementsAre("institutions/closed-centre"));
  EXPECT_THAT(List(founded({2013, 3}, {2013, 6})),
              ElementsAre("institutions/institute-branch", "institutions/institute-annex"));
  EXPECT_THAT(List(founded({2013, 5, 21}, {2013, 12, 31})),
              ElementsAre("institutions/institute-branch"));
  EXPECT_THAT(List(founded({2011, 4, 30}, {2011, 4, 30})),
              ElementsAre("institutions/language-institute"));
  // Any founded filter leaves out institutions without a founding date.
  EXPECT_EQ(List(founded({1, 1, 1}, {})).size(), 6u);
  EXPECT_TRUE(List(founded({2030}, {})).empty());
}

TEST_F(InstitutionCoreTest, FullTextOverDisplayNameAndDescription) {
  ListInstitutionsRequest req;
  req.set_query("textbook");  // words are prefixes
  EXPECT_THAT(List(req), ElementsAre("institutions/language-institute"));
  req.set_query("CAFE");  // case and diacritics fold
  EXPECT_THAT(List(req), ElementsAre("institutions/institute-annex"));
  req.set_query("institute");
  EXPECT_THAT(List(req), ElementsAre("institutions/language-institute",
                                     "institutions/institute-branch",
                                     "institutions/institute-annex"));
  req.set_query("university city");  // every word must match
  EXPECT_THAT(List(req), ElementsAre("institutions/language-institute",
                                     "institutions/city-university"));
  req.set_query("'; DROP TABLE institutions; -- NEAR(\"a\" OR");
  EXPECT_TRUE(List(req).empty());
  EXPECT_EQ(List(ListInstitutionsRequest()).size(), 8u);  // still there
}

TEST_F(InstitutionCoreTest, FiltersCombine) {
  ListInstitutionsRequest req;
  req.add_kinds("edu");
  req.add_countries("CHN");
  req.set_host_country("AZE");
  req.set_query("institute");
  EXPECT_THAT(List(req), ElementsAre("institutions/language-institute",
                                     "institutions/institute-branch"));
  req.mutable_founded()->mutable_start()->set_year(2012);
  EXPECT_THAT(List(req), ElementsAre("institutions/institute-branch"));
  req.set_city("baku");
  EXPECT_TRUE(List(req).empty());
}

TEST_F(InstitutionCoreTest, PagesFollowTheCursorWithTotals) {
  for (int size : {1, 3}) {
    ListInstitutionsRequest req;
    req.set_page_size(size);
    std::vector<std::string> all;
    for (int pages = 0; pages < 20; ++pages) {
      ASSERT_OK_AND_ASSIGN(auto r, core_->ListInstitutions(req));
      EXPECT_LE(r.institutions_size(), size);
      EXPECT_EQ(r.total_size(), 8);
      for (const auto& i : r.institutions()) all.push_back(i.name());
      if (r.next_page_token().empty()) break;
      req.set_page_token(r.next_page_token());
    }
    EXPECT_EQ(all, AllInOrder()) << "page_size " << size;
  }
  ListInstitutionsRequest req;
  req.set_page_size(1000);  // clamped, not an error
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListInstitutions(req));
  EXPECT_EQ(r.institutions_size(), 8);
}

TEST_F(InstitutionCoreTest, PageTokensBelongToTheirFilters) {
  ListInstitutionsRequest req;
  req.set_city("Baku");
  req.set_page_size(1);
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListInstitutions(req));
  ASSERT_FALSE(r.next_page_token().empty());
  req.set_page_token(r.next_page_token());
  req.set_city("BAKU");  // the same filter spelled otherwise
  ASSERT_OK_AND_ASSIGN(r, core_->ListInstitutions(req));
  EXPECT_THAT(Names(r), ElementsAre("institutions/city-university"));
  req.set_city("Ganja");
  EXPECT_STATUS(core_->ListInstitutions(req), absl::StatusCode::kInvalidArgument, "page_token");
  req.set_page_token("bad");
  EXPECT_STATUS(core_->ListInstitutions(req), absl::StatusCode::kInvalidArgument, "page_token");
}

TEST_F(InstitutionCoreTest, BadFiltersNameTheField) {
  struct Case {
    std::function<void(ListInstitutionsRequest&)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](auto& r) { r.set_page_size(-1); }, "page_size"},
      {[](auto& r) { r.add_kinds(""); }, "kinds[0]"},
      {[](auto& r) { for (int i = 0; i < 33; ++i) r.add_kinds("edu"); }, "kinds"},
      {[](auto& r) { r.add_countries("AZE"); r.add_countries("XXX"); }, "countries[1]"},
      {[](auto& r) { r.add_countries("aze"); }, "countries[0]"},
      {[](auto& r) { for (int i = 0; i < 17; ++i) r.add_countries("AZE"); }, "countries"},
      {[](auto& r) { r.set_host_country("XX"); }, "host_country"},
      {[](auto& r) { r.set_city(std::string(201, 'x')); }, "city"},
      {[](auto& r) { r.set_city(std::string("a\0b", 3)); }, "city"},
      {[](auto& r) { r.mutable_founded()->mutable_start()->set_year(2012);
                     r.mutable_founded()->mutable_start()->set_month(13); }, "founded.start.month"},
      {[](auto& r) { r.mutable_founded()->mutable_end()->set_year(2013);
                     r.mutable_founded()->mutable_end()->set_month(2);
                     r.mutable_founded()->mutable_end()->set_day(29); }, "founded.end.day"},
      {[](auto& r) { r.mutable_founded()->mutable_start()->set_year(2012);
                     r.mutable_founded()->mutable_end()->set_year(2011); }, "founded.end"},
      {[](auto& r) { r.set_query(std::string(513, 'q')); }, "query"},
      {[](auto& r) { r.set_query("\xff\xfe"); }, "query"},
      {[](auto& r) { r.set_page_token("not a token"); }, "page_token"},
  };
  for (const auto& c : cases) {
    ListInstitutionsRequest req;
    c.mutate(req);
    EXPECT_STATUS(core_->ListInstitutions(req), absl::StatusCode::kInvalidArgument, c.field);
  }
}

TEST_F(InstitutionCoreTest, GetNotFoundAndMalformedNames) {
  GetInstitutionRequest req;
  req.set_name("institutions/institute-branch");
  ASSERT_OK_AND_ASSIGN(Institution i, core_->GetInstitution(req));
  EXPECT_EQ(i.parent(), "institutions/language-institute");
  EXPECT_EQ(i.founded().year(), 2013);
  EXPECT_EQ(i.plugin(), "fixture_institutions");
  req.set_name("institutions/closed-centre");
  ASSERT_OK_AND_ASSIGN(i, core_->GetInstitution(req));
  EXPECT_EQ(i.status(), Institution::STATUS_CLOSED);
  EXPECT_EQ(i.closed().year(), 2005);
  req.set_name("institutions/none");
  EXPECT_STATUS(core_->GetInstitution(req), absl::StatusCode::kNotFound,
                "institution \"institutions/none\" not found");
  for (const char* bad : {"", "events/x", "institutions/", "institutions/Bad_Id", "city-university",
                          "institutions/a/b"}) {
    req.set_name(bad);
    EXPECT_STATUS(core_->GetInstitution(req), absl::StatusCode::kInvalidArgument, "name");
  }
}

TEST_F(InstitutionCoreTest, MembershipsOrderedFilteredAndNamed) {
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListMemberships(ListMembershipsRequest()));
  std::vector<std::string> got;
  for (const auto& m : r.memberships()) {
    got.push_back(m.country() + " " + m.organization());
    EXPECT_EQ(m.plugin(), "fixture_institutions");
    EXPECT_GE(m.citations_size(), 1);
  }
  EXPECT_THAT(got, ElementsAre("AZE institutions/asia-forum", "AZE institutions/regional-bank",
                               "CHN institutions/asia-forum", "CHN institutions/regional-bank",
                               "KAZ institutions/asia-forum"));
  EXPECT_EQ(r.memberships(0).organization_display_name(), "Asian Dialogue Forum");
  EXPECT_EQ(r.memberships(1).organization_display_name(), "Regional Investment Bank");
  EXPECT_EQ(r.memberships(1).since().year(), 2016);
  EXPECT_EQ(r.memberships(1).role(), "founding member");

  ListMembershipsRequest req;
  req.set_country("AZE");
  ASSERT_OK_AND_ASSIGN(r, core_->ListMemberships(req));
  EXPECT_EQ(r.memberships_size(), 2);
  req.Clear();
  req.set_organization("institutions/asia-forum");
  ASSERT_OK_AND_ASSIGN(r, core_->ListMemberships(req));
  ASSERT_EQ(r.memberships_size(), 3);
  EXPECT_EQ(r.memberships(2).country(), "KAZ");
  req.set_country("CHN");
  ASSERT_OK_AND_ASSIGN(r, core_->ListMemberships(req));
  ASSERT_EQ(r.memberships_size(), 1);
  EXPECT_EQ(r.memberships(0).role(), "founding member");
  req.Clear();
  req.set_organization("institutions/none");  // well formed: simply no memberships
  ASSERT_OK_AND_ASSIGN(r, core_->ListMemberships(req));
  EXPECT_EQ(r.memberships_size(), 0);
  req.Clear();
  req.set_country("ARM");
  ASSERT_OK_AND_ASSIGN(r, core_->ListMemberships(req));
  EXPECT_EQ(r.memberships_size(), 0);

  for (const char* bad : {"aze", "XXX", "AZ"}) {
    req.Clear();
    req.set_country(bad);
    EXPECT_STATUS(core_->ListMemberships(req), absl::StatusCode::kInvalidArgument, "country");
  }
  for (const char* bad : {"regional-bank", "events/regional-bank", "institutions/"}) {
    req.Clear();
    req.set_organization(bad);
    EXPECT_STATUS(core_->ListMemberships(req), absl::StatusCode::kInvalidArgument, "organization");
  }
}

TEST_F(InstitutionCoreTest, CreateValidatesStoresAndNamesIt) {
  CreateInstitutionRequest req;
  *req.mutable_institution() = NewInstitution();
  req.mutable_institution()->set_plugin("forged");
  req.mutable_institution()->set_name("institutions/ignored");
  ASSERT_OK_AND_ASSIGN(Institution i, core_->CreateInstitution(req));
  EXPECT_TRUE(absl::StartsWith(i.name(), "institutions/friendship-centre-")) << i.name();
  EXPECT_EQ(i.name().size(), std::string("institutions/friendship-centre-").size() + 8);
  EXPECT_EQ(i.plugin(), "");
  GetInstitutionRequest get;
  get.set_name(i.name());
  ASSERT_OK_AND_ASSIGN(Institution back, core_->GetInstitution(get));
  EXPECT_EQ(back.SerializeAsString(), i.SerializeAsString());

  req.set_institution_id("chosen-1");
  ASSERT_OK_AND_ASSIGN(i, core_->CreateInstitution(req));
  EXPECT_EQ(i.name(), "institutions/chosen-1");
  EXPECT_STATUS(core_->CreateInstitution(req), absl::StatusCode::kAlreadyExists,
                "institutions/chosen-1");
  req.set_institution_id("city-university");  // a plugin's name is taken too
  EXPECT_STATUS(core_->CreateInstitution(req), absl::StatusCode::kAlreadyExists,
                "institutions/city-university");
  for (const char* bad : {"Chosen", "-x", "a_b", "x/y"}) {
    req.set_institution_id(bad);
    EXPECT_STATUS(core_->CreateInstitution(req), absl::StatusCode::kInvalidArgument,
                  "institution_id");
  }
  req.set_institution_id(std::string(64, 'a'));
  EXPECT_STATUS(core_->CreateInstitution(req), absl::StatusCode::kInvalidArgument, "institution_id");

  // Found by the filters like any other (both founded in 2020: by name).
  ListInstitutionsRequest list;
  list.set_query("friendship");
  list.add_kinds("edu.institute");
  list.set_city("baku");
  list.add_countries("AZE");
  EXPECT_THAT(List(list), ElementsAre("institutions/chosen-1", back.name()));
  ASSERT_OK_AND_ASSIGN(auto all, core_->ListInstitutions(ListInstitutionsRequest()));
  EXPECT_EQ(all.total_size(), 10);
  // A display name without letters or digits still gets a name.
  req.clear_institution_id();
  req.mutable_institution()->set_display_name("???");
  ASSERT_OK_AND_ASSIGN(i, core_->CreateInstitution(req));
  EXPECT_TRUE(absl::StartsWith(i.name(), "institutions/institution-")) << i.name();
}

TEST_F(InstitutionCoreTest, CachedPagesAreClearedByAWrite) {
  ListInstitutionsRequest list;
  list.set_city("baku");
  ASSERT_OK_AND_ASSIGN(auto before, core_->ListInstitutionsSerialized(list));
  // The same request again is the same cached bytes.
  ASSERT_OK_AND_ASSIGN(auto again, core_->ListInstitutionsSerialized(list));
  EXPECT_EQ(before.get(), again.get());
  ListInstitutionsResponse first;
  ASSERT_TRUE(first.ParseFromString(*before));

  CreateInstitutionRequest req;
  *req.mutable_institution() = NewInstitution();
  req.set_institution_id("after-the-cache");
  ASSERT_OK(core_->CreateInstitution(req));
  ASSERT_OK_AND_ASSIGN(auto after, core_->ListInstitutionsSerialized(list));
  ListInstitutionsResponse second;
  ASSERT_TRUE(second.ParseFromString(*after));
  EXPECT_EQ(second.total_size(), first.total_size() + 1);
  EXPECT_THAT(Names(second), ::testing::Contains("institutions/after-the-cache"));

  // With the cache off every call reads the store.
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteInstitutionStore(":memory:"));
  InstitutionCore uncached(std::move(store), plugins_.get(), /*list_cache_entries=*/0);
  ASSERT_OK(uncached.LoadPluginRecords());
  ASSERT_OK_AND_ASSIGN(auto u1, uncached.ListInstitutionsSerialized(list));
  ASSERT_OK_AND_ASSIGN(auto u2, uncached.ListInstitutionsSerialized(list));
  EXPECT_NE(u1.get(), u2.get());
  EXPECT_EQ(*u1, *u2);
}

TEST_F(InstitutionCoreTest, CreateRejectsBadInstitutionsNamingTheField) {
  struct Case {
    std::function<void(Institution&)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](Institution& i) { i.clear_display_name(); }, "institution.display_name"},
      {[](Institution& i) { i.set_display_name(std::string(201, 'x')); }, "institution.display_name"},
      {[](Institution& i) { i.clear_kind(); }, "institution.kind"},
      {[](Institution& i) { i.set_kind("edu"); }, "institution.kind"},  // a prefix is no kind
      {[](Institution& i) { i.set_kind("nope"); }, "institution.kind"},
      {[](Institution& i) { i.set_host_country("Azerbaijan"); }, "institution.host_country"},
      {[](Institution& i) { i.add_countries("ZZZ"); }, "institution.countries[1]"},
      {[](Institution& i) { i.set_city(std::string(201, 'c')); }, "institution.city"},
      {[](Institution& i) { i.set_status(static_cast<Institution::Status>(9)); }, "institution.status"},
      {[](Institution& i) { i.mutable_founded()->set_month(13); }, "institution.founded.month"},
      {[](Institution& i) { i.mutable_founded()->set_year(0); i.mutable_founded()->set_month(1); },
       "institution.founded"},
      {[](Institution& i) { i.mutable_closed()->set_year(2021); }, "institution.closed"},  // not CLOSED
      {[](Institution& i) { i.set_status(Institution::STATUS_CLOSED);
                            i.mutable_closed()->set_year(2019); }, "institution.closed"},
      {[](Institution& i) { i.set_status(Institution::STATUS_CLOSED);
                            i.mutable_closed()->set_year(2021);
                            i.mutable_closed()->set_month(2);
                            i.mutable_closed()->set_day(30); }, "institution.closed.day"},
      {[](Institution& i) { i.add_partners("institutions/ghost"); }, "institution.partners[1]"},
      {[](Institution& i) { i.add_partners("ghost"); }, "institution.partners[1]"},
      {[](Institution& i) { i.set_parent("institutions/ghost"); }, "institution.parent"},
      {[](Institution& i) { i.set_parent("events/x"); }, "institution.parent"},
      {[](Institution& i) { i.clear_citations(); }, "institution.citations"},
      {[](Institution& i) { i.mutable_citations(0)->clear_source_id(); },
       "institution.citations[0].source_id"},
      {[](Institution& i) { i.mutable_citations(0)->clear_locator(); },
       "institution.citations[0].locator"},
      {[](Institution& i) { i.mutable_citations(0)->set_note(std::string(1001, 'n')); },
       "institution.citations[0].note"},
      {[](Institution& i) { for (int k = 0; k < 51; ++k) *i.add_citations() = i.citations(0); },
       "institution.citations"},
      {[](Institution& i) { i.set_description(std::string(5000, 'x')); }, "institution.description"},
      {[](Institution& i) { i.add_external_ids()->set_scheme("wikidata"); },
       "institution.external_ids[0].id"},
      {[](Institution& i) { i.set_fact(std::string(201, 'f')); }, "institution.fact"},
  };
  for (const auto& c : cases) {
    CreateInstitutionRequest req;
    *req.mutable_institution() = NewInstitution();
    c.mutate(*req.mutable_institution());
    EXPECT_STATUS(core_->CreateInstitution(req), absl::StatusCode::kInvalidArgument, c.field);
  }
  EXPECT_STATUS(core_->CreateInstitution(CreateInstitutionRequest()),
                absl::StatusCode::kInvalidArgument, "institution");
  // Nothing was stored by the refused requests.
  ASSERT_OK_AND_ASSIGN(auto all, core_->ListInstitutions(ListInstitutionsRequest()));
  EXPECT_EQ(all.total_size(), 8);
  // A closed institution with its dates in order is fine.
  CreateInstitutionRequest ok;
  *ok.mutable_institution() = NewInstitution();
  ok.mutable_institution()->set_status(Institution::STATUS_CLOSED);
  ok.mutable_institution()->mutable_closed()->set_year(2020);
  EXPECT_OK(core_->CreateInstitution(ok));
}

TEST_F(InstitutionCoreTest, KindsSortedByIdAndSources) {
  ASSERT_OK_AND_ASSIGN(auto kinds, core_->ListInstitutionKinds(ListInstitutionKindsRequest()));
  std::vector<std::string> ids;
  for (const auto& k : kinds.kinds()) {
    ids.push_back(k.id());
    EXPECT_EQ(k.plugin(), "fixture_institutions");
  }
  EXPECT_THAT(ids, ElementsAre("edu.institute", "edu.institute-annex", "edu.institute.branch",
                               "edu.university", "org.bank", "org.forum"));
  ListInstitutionKindsRequest req;
  req.set_domain("economy");
  ASSERT_OK_AND_ASSIGN(kinds, core_->ListInstitutionKinds(req));
  ASSERT_EQ(kinds.kinds_size(), 1);
  EXPECT_EQ(kinds.kinds(0).id(), "org.bank");
  req.set_domain("nothing");
  ASSERT_OK_AND_ASSIGN(kinds, core_->ListInstitutionKinds(req));
  EXPECT_EQ(kinds.kinds_size(), 0);
  req.set_domain(std::string(201, 'd'));
  EXPECT_STATUS(core_->ListInstitutionKinds(req), absl::StatusCode::kInvalidArgument, "domain");
  auto sources = core_->ListSources();
  ASSERT_EQ(sources.sources_size(), 1);
  EXPECT_EQ(sources.sources(0).id(), "inst-fixture");
}

TEST(InstitutionCoreLoadTest, PluginRecordsLoadIdempotentlyUpgradeAndGo) {
  const std::string path = ::testing::TempDir() + "/institution_core_load_" +
                           std::to_string(getpid()) + ".db";
  auto v1 = LoadFixture(kV1);
  auto v2 = LoadFixture(kV2);
  ASSERT_NE(v1, nullptr);
  ASSERT_NE(v2, nullptr);
  auto open = [&](const PluginSet* plugins) {
    auto store = OpenSqliteInstitutionStore(path);
    EXPECT_TRUE(store.ok()) << store.status();
    return std::make_unique<InstitutionCore>(std::move(*store), plugins);
  };
  auto lines_of = [](InstitutionCore& core) {
    auto lines = core.LoadPluginRecords();
    EXPECT_TRUE(lines.ok()) << lines.status();
    return lines.ok() ? *lines : std::vector<std::string>{};
  };
  std::string api_name;
  {
    auto core = open(v1.get());
    EXPECT_THAT(lines_of(*core),
                ElementsAre("plugin=fixture_institutions version=1.0.0 institutions=8 "
                            "memberships=5 records=loaded"));
    CreateInstitutionRequest req;
    Institution* i = req.mutable_institution();
    i->set_display_name("Written through the API");
    i->set_kind("edu.university");
    i->add_partners("institutions/planned-university");  // a record v2 drops
    auto* c = i->add_citations();
    c->set_source_id("inst-fixture");
    c->set_locator("p1");
    ASSERT_OK_AND_ASSIGN(Institution created, core->CreateInstitution(req));
    api_name = created.name();
  }
  {
    auto core = open(v1.get());
    EXPECT_THAT(lines_of(*core), ElementsAre(HasSubstr("records=unchanged")));
    // The memberships' display names are filled even when nothing reloads.
    ASSERT_OK_AND_ASSIGN(auto m, core->ListMemberships(ListMembershipsRequest()));
    EXPECT_EQ(m.memberships(0).organization_display_name(), "Asian Dialogue Forum");
  }
  {
    auto core = open(v2.get());
    EXPECT_THAT(lines_of(*core), ElementsAre("plugin=fixture_institutions version=2.0.0 "
                                             "institutions=3 memberships=1 records=replaced"));
    ListInstitutionsRequest all;
    ASSERT_OK_AND_ASSIGN(auto r, core->ListInstitutions(all));
    EXPECT_THAT(Names(r), ElementsAre("institutions/regional-bank", "institutions/new-college",
                                      "institutions/city-university", api_name));
    GetInstitutionRequest get;
    get.set_name(api_name);
    ASSERT_OK_AND_ASSIGN(Institution kept, core->GetInstitution(get));
    EXPECT_EQ(kept.partners(0), "institutions/planned-university");  // kept as written
    ASSERT_OK_AND_ASSIGN(auto m, core->ListMemberships(ListMembershipsRequest()));
    EXPECT_EQ(m.memberships_size(), 1);
  }
  {
    auto core = open(nullptr);  // the plugin was removed
    EXPECT_THAT(lines_of(*core), ElementsAre("plugin=fixture_institutions records=removed"));
    ASSERT_OK_AND_ASSIGN(auto r, core->ListInstitutions(ListInstitutionsRequest()));
    EXPECT_THAT(Names(r), ElementsAre(api_name));
    ASSERT_OK_AND_ASSIGN(auto kinds, core->ListInstitutionKinds(ListInstitutionKindsRequest()));
    EXPECT_EQ(kinds.kinds_size(), 0);
    ASSERT_OK_AND_ASSIGN(auto m, core->ListMemberships(ListMembershipsRequest()));
    EXPECT_EQ(m.memberships_size(), 0);
    EXPECT_EQ(core->ListSources().sources_size(), 0);
    // Without kinds nothing can be written.
    CreateInstitutionRequest req;
    req.mutable_institution()->set_display_name("X");
    req.mutable_institution()->set_kind("edu.university");
    EXPECT_STATUS(core->CreateInstitution(req), absl::StatusCode::kInvalidArgument,
                  "institution.kind");
  }
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
}

}  // namespace
}  // namespace dyad::institutions
