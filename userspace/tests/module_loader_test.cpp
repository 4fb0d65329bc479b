#include "module_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "error.hpp"
#include "temp_dir.hpp"

namespace dmremap {
namespace {

using testing_support::TempDir;

constexpr const char* absent_module = "dmremap_test_no_such_module";

TEST(ModuleLoader, AnAbsentModuleIsNotLoaded)
{
    const ModuleLoader loader;
    EXPECT_FALSE(loader.is_loaded(absent_module));
}

TEST(ModuleLoader, LoadingAnUnknownModuleSaysWhereItLooked)
{
    TempDir modules;
    ModuleLoader loader(modules.path());
    try {
        loader.load(absent_module);
        FAIL() << "no OperationError";
    } catch (const OperationError& error) {
        EXPECT_EQ(error.operation(), "load module");
        EXPECT_EQ(error.subject(), absent_module);
        EXPECT_EQ(error.error_code(), ENOENT);
        EXPECT_THAT(error.reason(), testing::HasSubstr(modules.path().string()));
    }
}

TEST(ModuleLoader, LoadingAMissingFileNamesIt)
{
    ModuleLoader loader;
    try {
        loader.load_file("/nonexistent/dm-remap.ko");
        FAIL() << "no OperationError";
    } catch (const OperationError& error) {
        EXPECT_EQ(error.subject(), "/nonexistent/dm-remap.ko");
        EXPECT_EQ(error.error_code(), ENOENT);
    }
}

TEST(ModuleLoader, IsMovable)
{
    ModuleLoader first;
    ModuleLoader second(std::move(first));
    EXPECT_FALSE(second.is_loaded(absent_module));
}

}  // namespace
}  // namespace dmremap
