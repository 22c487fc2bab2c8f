#include "node/policy/scrubber.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

struct Case {
  std::string text;
  std::string scrubbed;
};

void ExpectScrubs(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(ScrubPersonalData(c.text), c.scrubbed) << "input: " << c.text;
  }
}

void ExpectUntouched(const std::vector<std::string>& texts) {
  for (const std::string& text : texts) {
    ScrubCounts counts;
    EXPECT_EQ(ScrubPersonalData(text, &counts), text);
    EXPECT_EQ(counts.total(), 0u) << "false hit in: " << text;
  }
}

TEST(ScrubberTest, EmailAddresses) {
  ExpectScrubs({
      {"Contact jane.doe@nasa.gov for details.", "Contact [email removed] for details."},
      {"<j_smith+lessons@leeds.nhs.uk>", "<[email removed]>"},
      {"mail a@b.co, c.d@e-f.org.uk", "mail [email removed], [email removed]"},
  });
  ExpectUntouched({"meet @ 10am", "user@localhost", "a@b.c", "@handle", "x@.com"});
}

TEST(ScrubberTest, UkAndInternationalPhoneNumbers) {
  ExpectScrubs({
      {"Call 0113 496 0000 today", "Call [phone removed] today"},
      {"mobile 07700 900123.", "mobile [phone removed]."},
      {"(0113) 496 0000", "[phone removed]"},
      {"tel: 01134960000", "tel: [phone removed]"},
      {"+44 20 7946 0958 or +44 (0)20 7946 0958", "[phone removed] or [phone removed]"},
      {"Ames: (650) 604-5000; JSC 281-483-0123", "Ames: [phone removed]; JSC [phone removed]"},
      {"1-800-555-0199", "[phone removed]"},
      {"(contact Michael, 228-688-2233).", "(contact Michael, [phone removed])."},
      {"ref 12345 then 0113 496 0000", "ref 12345 then [phone removed]"},
  });
}

TEST(ScrubberTest, NhsNumbersNeedAValidCheckDigit) {
  ExpectScrubs({
      {"NHS no. 943 476 5919", "NHS no. [NHS number removed]"},
      {"patient 9434765919,", "patient [NHS number removed],"},
      {"401 023 2137", "[NHS number removed]"},
      // Hyphens in 3-3-4 groups read as a North American phone number, whatever the check digit.
      {"256-544-4281", "[phone removed]"},
  });
  // Wrong check digits: ten digits, but not NHS numbers.
  ExpectUntouched({"NHS no. 943 476 5918", "9434765918", "4010232138"});
}

TEST(ScrubberTest, NationalInsuranceNumbers) {
  ExpectScrubs({
      {"NI AB123456C.", "NI [NI number removed]."},
      {"JG 10 37 29 D", "[NI number removed]"},
  });
  // Invalid prefixes (D, F, I, Q, U, V first; O second; BG, GB, NK, KN, TN, NT, ZZ), suffixes
  // past D, and runs glued to other letters.
  ExpectUntouched({"QQ123456C", "BG123456A", "AO123456B", "AB123456E", "XAB123456C", "AB123456CD"});
}

TEST(ScrubberTest, NearMissesAreLeftAlone) {
  ExpectUntouched({
      "Upgraded to version 10.0.19041.1288 of the firmware",
      "kernel 2.6.32-754.el6.x86_64",
      "Date Lesson Occurred: 07/18/2018",
      "MIL-STD-1553B bus, part NAS1611-012, P/N 1234-5678-90",
      "Between 2018 and 2019 we flew 1,234 sorties over 3 years",
      "Build 0113.496.0000 is a version, not a phone",
      "ISS Expedition 65 used 28 V and 120 V buses",
      "document NPR 7120.5E section 3.4.1",
      "order number 12345678901234",
  });
}

TEST(ScrubberTest, FindReportsSpansInOrder) {
  std::string text = "mail a@b.org or call 0113 496 0000";
  std::vector<PersonalDataSpan> spans = FindPersonalData(text);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(text.substr(spans[0].begin, spans[0].end - spans[0].begin), "a@b.org");
  EXPECT_EQ(spans[0].kind, PersonalData::kEmail);
  EXPECT_EQ(text.substr(spans[1].begin, spans[1].end - spans[1].begin), "0113 496 0000");
  EXPECT_EQ(spans[1].kind, PersonalData::kPhone);
}

TEST(ScrubberTest, CaseReferencesAreNotPhoneNumbers) {
  ExpectUntouched({"IRIS Safety Incident #2008-075-00002", "case number S-2010-020-00008",
                   "Dallas, TX, 75265-0003"});
}

TEST(ScrubberTest, CountsEachKind) {
  ScrubCounts counts;
  ScrubPersonalData("a@b.org, 0113 496 0000, 943 476 5919, AB123456C, c@d.org", &counts);
  EXPECT_EQ(counts.found[static_cast<size_t>(PersonalData::kEmail)], 2u);
  EXPECT_EQ(counts.found[static_cast<size_t>(PersonalData::kPhone)], 1u);
  EXPECT_EQ(counts.found[static_cast<size_t>(PersonalData::kNhsNumber)], 1u);
  EXPECT_EQ(counts.found[static_cast<size_t>(PersonalData::kNiNumber)], 1u);
  EXPECT_EQ(counts.total(), 5u);
}

TEST(ScrubberTest, HostileInputStaysLinear) {
  // Long runs that look almost like numbers or addresses: must finish quickly and find nothing
  // (or the right thing), whatever the length.
  std::string digits_and_spaces;
  for (int i = 0; i < 200000; ++i) digits_and_spaces += "1 ";
  ScrubCounts counts;
  ScrubPersonalData(digits_and_spaces, &counts);
  EXPECT_EQ(counts.total(), 0u);
  std::string ats(200000, '@');
  EXPECT_EQ(ScrubPersonalData(ats), ats);
  std::string local(200000, 'a');
  EXPECT_EQ(ScrubPersonalData(local + "@"), local + "@");
}

}  // namespace
}  // namespace cairn
