// Image references (lib/reference): Analyze under every rule set, Parse, the
// component validators. A reference that parses has a canonical form that
// parses again to itself; every violation points inside the text (or just
// past it, for a missing part).

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "lib/reference/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  for (stowage::RuleSet rules :
       {stowage::RuleSet::kHub, stowage::RuleSet::kOci, stowage::RuleSet::kBoth}) {
    stowage::Analysis analysis = stowage::Analyze(text, rules);
    for (const stowage::Violation& v : analysis.violations) {
      FUZZ_CHECK(v.position >= 1 && v.position <= size + 1);
      FUZZ_CHECK(!v.rule.empty() && !v.message.empty());
      FUZZ_CHECK(!stowage::FormatViolation(text, v).empty());
    }
    absl::StatusOr<stowage::Reference> ref = stowage::Reference::Parse(text, rules);
    FUZZ_CHECK(ref.ok() == analysis.ok());
    if (ref.ok()) {
      const std::string canonical = ref->String();
      absl::StatusOr<stowage::Reference> again = stowage::Reference::Parse(canonical, rules);
      FUZZ_CHECK(again.ok());
      FUZZ_CHECK(again->String() == canonical);
      FUZZ_CHECK(again->repository() == ref->repository());
      FUZZ_CHECK(stowage::ValidateRepository(ref->repository(), rules).ok());
      if (!ref->tag().empty()) FUZZ_CHECK(stowage::ValidateTag(ref->tag()).ok());
      if (!ref->digest().empty()) FUZZ_CHECK(stowage::ValidateDigest(ref->digest()).ok());
    }
    stowage::ValidateRepository(text, rules).IgnoreError();
  }
  stowage::ValidateTag(text).IgnoreError();
  stowage::ValidateDigest(text).IgnoreError();
  stowage::ParseRuleSet(text).status().IgnoreError();
  return 0;
}
