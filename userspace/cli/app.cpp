#include "app.hpp"

#include <cerrno>
#include <streambuf>
#include <string>

#include "advice.hpp"
#include "commands/commands.hpp"
#include "error.hpp"
#include "render.hpp"
#include "version.hpp"

namespace dmremap::cli {

namespace {

constexpr const char* footer_text =
    "Exit status: 0 success, 1 the operation failed (metadata check: damaged), 2 usage error, "
    "3 no dm-remap metadata on the spare, 4 the spare cannot be opened or read, 5 metadata "
    "repair wrote a repair, 6 metadata repair needs --force, 7 status --watch: the device went "
    "away. docs/cli.md has the details.";

// Passes everything to another stream buffer (stdout's), counting the
// characters, so that a failed --json command knows whether its document
// was begun, and remembering the first failure, with its errno.
class CountingBuffer final : public std::streambuf {
public:
    explicit CountingBuffer(std::streambuf* target) : target_(target) {}
    std::uint64_t count() const noexcept { return count_; }
    bool failed() const noexcept { return failed_; }
    int error_code() const noexcept { return error_code_; }

protected:
    int_type overflow(int_type c) override
    {
        if (traits_type::eq_int_type(c, traits_type::eof()))
            return traits_type::not_eof(c);
        ++count_;
        errno = 0;
        if (traits_type::eq_int_type(target_->sputc(traits_type::to_char_type(c)),
                                     traits_type::eof()))
            return fail();
        return c;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override
    {
        count_ += static_cast<std::uint64_t>(n);
        errno = 0;
        const std::streamsize written = target_->sputn(s, n);
        if (written != n)
            fail();
        return written;
    }
    int sync() override
    {
        errno = 0;
        if (target_->pubsync() != 0) {
            fail();
            return -1;
        }
        return 0;
    }

private:
    int_type fail()
    {
        if (!failed_)
            error_code_ = errno;
        failed_ = true;
        return traits_type::eof();
    }

    std::streambuf* target_;
    std::uint64_t count_ = 0;
    bool failed_ = false;
    int error_code_ = 0;
};

// Every command and group below app, by name.
CLI::App* subcommand_named(CLI::App& app, std::string_view name)
{
    const auto found =
        app.get_subcommands([name](const CLI::App* sub) { return sub->check_name(std::string(name)); });
    return found.empty() ? nullptr : found.front();
}

std::string command_names(CLI::App& app)
{
    std::string names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        names += (names.empty() ? "" : ", ") + sub->get_name();
    return names;
}

}  // namespace

Cli::Cli()
    : app_(std::make_unique<CLI::App>(
          "Manage dm-remap devices: block devices whose bad blocks are remapped to a spare "
          "device.",
          "dmremap"))
{
    app_->require_subcommand(1);
    app_->set_version_flag("--version", std::string("dmremap ") + dmremap::version);
    app_->footer(footer_text);

    create_ = add_create_command(*app_, arguments_.create);
    remove_ = add_remove_command(*app_, arguments_.remove);
    list_ = add_list_command(*app_, arguments_.list);
    status_ = add_status_command(*app_, arguments_.status);
    events_ = add_events_command(*app_, arguments_.events);
    remaps_ = add_remaps_command(*app_, arguments_.remaps);
    remap_ = add_remap_command(*app_, arguments_.remap);
    unremap_ = add_unremap_command(*app_, arguments_.unremap);
    health_ = add_health_command(*app_, arguments_.health);
    scrub_ = add_scrub_command(*app_, arguments_.scrub);
    import_badblocks_ = add_import_badblocks_command(*app_, arguments_.import_badblocks);
    lost_files_ = add_lost_files_command(*app_, arguments_.lost_files);
    metadata_ = add_metadata_commands(*app_, arguments_.metadata);
}

std::string Cli::selected_command() const
{
    std::string name;
    for (const CLI::App* app = app_.get();;) {
        const auto selected = app->get_subcommands();
        if (selected.empty())
            return name;
        app = selected.front();
        name += (name.empty() ? "" : " ") + app->get_name();
    }
}

int Cli::run(int argc, const char* const* argv, const Io& io)
{
    CountingBuffer counted(io.out.rdbuf());
    std::ostream out(&counted);
    const int status =
        parse_and_dispatch(argc, argv, Io{out, io.err}, [&counted] { return counted.count(); });
    // Data that did not reach stdout (a full disk, a closed pipe) is a
    // failure: a script must not take a cut-off dump for a whole one.
    out.flush();
    if (!counted.failed() && out)
        return status;
    io.err << "dmremap: cannot write the output: "
           << (counted.error_code() ? errno_text(counted.error_code()) : std::string("write error"))
           << '\n';
    return exit_failure;
}

int Cli::parse_and_dispatch(int argc, const char* const* argv, const Io& io,
                            const std::function<std::uint64_t()>& written)
{
    try {
        app_->parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
            app_->exit(error, io.out, io.err);  // --help, --version: to out
            return exit_success;
        }
        io.err << "dmremap: " << usage_problem(error, argc, argv) << '\n';
        return exit_usage;
    }

    try {
        return dispatch(io);
    } catch (const std::exception& error) {
        const std::string message = failure_text(error);
        io.err << "dmremap: " << message << '\n';
        if (json_requested() && written() == 0)
            write_json(io.out, error_json(message));
        return exit_failure;
    }
}

// A usage error as CLI11 words it, with the command it concerns, or the
// unknown or missing command.
std::string Cli::usage_problem(const CLI::ParseError& error, int argc,
                               const char* const* argv) const
{
    CLI::App* app = app_.get();
    std::string path;
    for (int i = 1; i < argc && app->get_require_subcommand_min() > 0; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--")
            break;
        if (arg.starts_with("-"))
            continue;
        CLI::App* sub = subcommand_named(*app, arg);
        path += (path.empty() ? "" : " ") + std::string(arg);
        if (!sub)
            return "unknown command '" + path + "' (commands: " + command_names(*app) + ")";
        app = sub;
    }
    if (app->get_require_subcommand_min() > 0 && dynamic_cast<const CLI::RequiredError*>(&error)) {
        return (path.empty() ? "" : path + ": ") + "no command given (commands: " +
               command_names(*app) + ")";
    }
    const std::string command = path.empty() ? "dmremap" : "dmremap " + path;
    return (path.empty() ? "" : path + ": ") + error.what() + " (" + command +
           " --help shows the usage)";
}

bool Cli::json_requested() const
{
    for (const CLI::App* app = app_.get();;) {
        const auto selected = app->get_subcommands();
        if (selected.empty()) {
            const CLI::Option* json = app->get_option_no_throw("--json");
            return json && json->count() > 0;
        }
        app = selected.front();
    }
}

int Cli::dispatch(const Io& io) const
{
    if (create_->parsed())
        return run_create(arguments_.create, io);
    if (remove_->parsed())
        return run_remove(arguments_.remove, io);
    if (list_->parsed())
        return run_list(arguments_.list, io);
    if (status_->parsed())
        return run_status(arguments_.status, io);
    if (events_->parsed())
        return run_events(arguments_.events, io);
    if (remaps_->parsed())
        return run_remaps(arguments_.remaps, io);
    if (remap_->parsed())
        return run_remap(arguments_.remap, io);
    if (unremap_->parsed())
        return run_unremap(arguments_.unremap, io);
    if (health_->parsed())
        return run_health(arguments_.health, io);
    if (scrub_->parsed())
        return run_scrub(arguments_.scrub, io);
    if (import_badblocks_->parsed())
        return run_import_badblocks(arguments_.import_badblocks, io);
    if (lost_files_->parsed())
        return run_lost_files(arguments_.lost_files, io);
    if (metadata_.check->parsed())
        return run_metadata_check(arguments_.metadata.check, io);
    if (metadata_.dump->parsed())
        return run_metadata_dump(arguments_.metadata.dump, io);
    if (metadata_.restore->parsed())
        return run_metadata_restore(arguments_.metadata.restore, io);
    if (metadata_.repair->parsed())
        return run_metadata_repair(arguments_.metadata.repair, io);
    io.err << "dmremap: no command given\n";
    return exit_usage;
}

}  // namespace dmremap::cli
