#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct kmod_ctx;

namespace dmremap {

// The kernel module of the dm-remap target.
inline constexpr std::string_view remap_module_name = "dm_remap";

// Kernel module loading through libkmod, as modprobe does it. Failures throw
// OperationError with the module, the errno text and what libkmod logged.
class ModuleLoader {
public:
    // For the running kernel's module directory (/lib/modules/`uname -r`).
    ModuleLoader();
    // For another module directory (one holding modules.dep and friends).
    explicit ModuleLoader(const std::filesystem::path& modules_dir);
    ~ModuleLoader();

    ModuleLoader(ModuleLoader&&) noexcept;
    ModuleLoader& operator=(ModuleLoader&&) noexcept;

    // Whether the module is loaded and live, or built into the kernel.
    bool is_loaded(const std::string& name) const;

    // Loads the module found under that name (or alias) in the module
    // directory, with its dependencies; nothing happens if it is loaded.
    void load(const std::string& name);

    // Loads a module file, first loading (by name) the modules its modinfo
    // says it depends on; nothing happens if a module of that name is loaded.
    void load_file(const std::filesystem::path& path);

private:
    struct Context;
    std::unique_ptr<Context> context_;
};

}  // namespace dmremap
