// memory_keys_set lists the memory section's defaults beside its declare(): a key added to the
// section must be added there too, or a run without a bank would ignore it silently. Each field
// the schema declares, set away from its default, must be reported; at the defaults, none is.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "amem/config/amem_schema.h"
#include "amem/memory/memory_settings.h"
#include "support/tiny_mac_config.h"

namespace {

// An override that moves `field` away from its default (nullable strings get a value).
std::string non_default(const amem::config::Field& field) {
  using amem::config::FieldType;
  const auto& d = field.default_value;
  switch (field.type) {
    case FieldType::Bool:
      return field.key + "=" + (d.as<bool>() ? "false" : "true");
    case FieldType::Int:
      return field.key + "=" + std::to_string(d.IsNull() ? 3 : d.as<int64_t>() + 1);
    case FieldType::String:
      if (!field.choices.empty())
        for (const auto& choice : field.choices)
          if (d.IsNull() || choice != d.as<std::string>()) return field.key + "=" + choice;
      return field.key + "=somewhere";
    default:
      ADD_FAILURE() << field.key << ": a memory key of a type this test does not move";
      return field.key + "=0";
  }
}

}  // namespace

TEST(MemoryKeysSet, EveryDeclaredMemoryKeyIsReportedWhenSetAndNoneAtTheDefaults) {
  EXPECT_TRUE(amem::memory::memory_keys_set(amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", {})).empty());
  const auto& sections = amem::config::amem_schema().sections();
  const auto memory = std::find_if(sections.begin(), sections.end(), [](const auto& s) { return s.name() == "memory"; });
  ASSERT_NE(memory, sections.end());
  for (const auto& field : memory->fields()) {
    const auto set = amem::memory::memory_keys_set(amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", {non_default(field)}));
    EXPECT_EQ(set, std::vector<std::string>{field.key}) << non_default(field);
  }
}
