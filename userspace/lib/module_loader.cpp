#include "module_loader.hpp"

#include <libkmod.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>

#include "error.hpp"
#include "tokens.hpp"

namespace dmremap {

namespace {

struct ContextDeleter {
    void operator()(kmod_ctx* ctx) const noexcept { kmod_unref(ctx); }
};
struct ModuleDeleter {
    void operator()(kmod_module* module) const noexcept { kmod_module_unref(module); }
};
struct ModuleListDeleter {
    void operator()(kmod_list* list) const noexcept { kmod_module_unref_list(list); }
};
struct InfoListDeleter {
    void operator()(kmod_list* list) const noexcept { kmod_module_info_free_list(list); }
};

using ContextPtr = std::unique_ptr<kmod_ctx, ContextDeleter>;
using ModulePtr = std::unique_ptr<kmod_module, ModuleDeleter>;
using ModuleListPtr = std::unique_ptr<kmod_list, ModuleListDeleter>;
using InfoListPtr = std::unique_ptr<kmod_list, InfoListDeleter>;

}  // namespace

// The libkmod context and what it logged: libkmod hands its log function a
// per-context pointer, so unlike libdevmapper this needs no shared state.
struct ModuleLoader::Context {
    ContextPtr ctx;
    std::vector<std::string> log;

    explicit Context(const char* modules_dir)
        : ctx(kmod_new(modules_dir, nullptr))
    {
        if (!ctx)
            throw OperationError("set up libkmod for", modules_dir ? modules_dir : "the running kernel",
                                 errno_text(ENOMEM), ENOMEM);
        kmod_set_log_fn(ctx.get(), &Context::receive, this);
        kmod_set_log_priority(ctx.get(), 3);  // LOG_ERR
    }

    __attribute__((format(printf, 6, 0))) static void receive(void* data, int, const char*, int,
                                                              const char*, const char* format,
                                                              va_list args)
    {
        char text[1024];
        std::vsnprintf(text, sizeof text, format, args);
        std::string line = text;
        while (!line.empty() && line.back() == '\n')
            line.pop_back();
        static_cast<Context*>(data)->log.push_back(std::move(line));
    }

    [[noreturn]] void fail(const std::string& operation, const std::string& subject, int error_code)
    {
        std::string reason = error_code != 0 ? errno_text(error_code) : "failed";
        for (const std::string& line : log)
            reason += "; " + line;
        log.clear();
        throw OperationError(operation, subject, reason, error_code);
    }
};

ModuleLoader::ModuleLoader() : context_(std::make_unique<Context>(nullptr)) {}

ModuleLoader::ModuleLoader(const std::filesystem::path& modules_dir)
    : context_(std::make_unique<Context>(modules_dir.c_str()))
{
}

ModuleLoader::~ModuleLoader() = default;
ModuleLoader::ModuleLoader(ModuleLoader&&) noexcept = default;
ModuleLoader& ModuleLoader::operator=(ModuleLoader&&) noexcept = default;

bool ModuleLoader::is_loaded(const std::string& name) const
{
    kmod_module* raw = nullptr;
    if (kmod_module_new_from_name(context_->ctx.get(), name.c_str(), &raw) < 0)
        return false;
    const ModulePtr module(raw);
    const int state = kmod_module_get_initstate(module.get());
    context_->log.clear();
    return state == KMOD_MODULE_LIVE || state == KMOD_MODULE_BUILTIN;
}

void ModuleLoader::load(const std::string& name)
{
    context_->log.clear();
    kmod_list* raw_list = nullptr;
    const int found = kmod_module_new_from_lookup(context_->ctx.get(), name.c_str(), &raw_list);
    const ModuleListPtr list(raw_list);
    if (found < 0)
        context_->fail("look up module", name, -found);
    if (!list) {
        context_->log.push_back(std::string("not found in ") +
                                kmod_get_dirname(context_->ctx.get()) +
                                " (install it, or load the .ko file with insmod)");
        context_->fail("load module", name, ENOENT);
    }

    // An alias may resolve to several modules; modprobe loads them all.
    kmod_list* entry = nullptr;
    kmod_list_foreach(entry, list.get())
    {
        const ModulePtr module(kmod_module_get_module(entry));
        const int result = kmod_module_probe_insert_module(module.get(), 0, nullptr, nullptr,
                                                           nullptr, nullptr);
        if (result < 0)
            context_->fail("load module", kmod_module_get_name(module.get()), -result);
    }
}

void ModuleLoader::load_file(const std::filesystem::path& path)
{
    context_->log.clear();
    kmod_module* raw = nullptr;
    const int created = kmod_module_new_from_path(context_->ctx.get(), path.c_str(), &raw);
    if (created < 0)
        context_->fail("open module file", path, -created);
    const ModulePtr module(raw);

    const std::string name = kmod_module_get_name(module.get());
    if (is_loaded(name))
        return;

    kmod_list* raw_info = nullptr;
    const int info_count = kmod_module_get_info(module.get(), &raw_info);
    const InfoListPtr info(raw_info);
    if (info_count < 0)
        context_->fail("read modinfo of", path, -info_count);

    kmod_list* entry = nullptr;
    kmod_list_foreach(entry, info.get())
    {
        if (std::string_view(kmod_module_info_get_key(entry)) != "depends")
            continue;
        // depends=dm-mod,dm-bufio
        std::string depends = kmod_module_info_get_value(entry);
        for (char& c : depends)
            c = c == ',' ? ' ' : c;
        for (std::string_view dependency : split_words(depends)) {
            const std::string dependency_name(dependency);
            if (!is_loaded(dependency_name))
                load(dependency_name);
        }
    }

    const int inserted = kmod_module_insert_module(module.get(), 0, nullptr);
    if (inserted < 0 && inserted != -EEXIST)
        context_->fail("load module file", path, -inserted);
}

}  // namespace dmremap
