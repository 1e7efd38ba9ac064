// Every config amem ships must resolve against the schema: a file that `amem config show`
// refuses (a key renamed since, a null where a list is needed) is found here, not by a user.
#include <gtest/gtest.h>

#include <filesystem>

#include "amem/config/amem_schema.h"
#include "amem/config/config.h"
#include "support/error_of.h"

TEST(ShippedConfigs, EveryFileUnderConfigsResolves) {
  const auto root = std::filesystem::path(AMEM_SOURCE_DIR) / "configs";
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".yaml") continue;
    // configs/sweeps/ holds `amem sweep` grid files (sweep_command_test.cpp checks them).
    if (entry.path().parent_path().filename() == "sweeps") continue;
    ++files;
    EXPECT_EQ(amem::testing::error_of([&] { amem::config::load_config(amem::config::amem_schema(), entry.path().string(), {}); }),
              "no error")
        << entry.path();
  }
  EXPECT_GT(files, 50);
}
