#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iostream>
#include <iterator>
#include <span>

#include "block_list.hpp"
#include "block_results.hpp"
#include "commands.hpp"
#include "dm_control.hpp"
#include "error.hpp"
#include "remap_device.hpp"

namespace dmremap::cli {

namespace {

constexpr std::string_view operation = "import-badblocks";
// Bad lines named one by one; a file that is not a block list at all would
// otherwise flood the terminal.
constexpr std::size_t errors_shown = 20;

std::string read_list(const std::string& file)
{
    if (file == "-") {
        std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
        if (std::cin.bad())
            throw OperationError(std::string(operation), "standard input", errno_text(errno));
        return text;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw OperationError(std::string(operation), file, errno_text(errno));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw OperationError(std::string(operation), file, errno_text(errno));
    return text;
}

std::vector<BlockListError> all_errors(const BlockList& list, const BlockMapping& mapping)
{
    std::vector<BlockListError> errors = list.errors;
    errors.insert(errors.end(), mapping.errors.begin(), mapping.errors.end());
    std::stable_sort(errors.begin(), errors.end(),
                     [](const BlockListError& a, const BlockListError& b) { return a.line < b.line; });
    return errors;
}

void report_errors(const ImportBadblocksArgs& args, const std::vector<BlockListError>& errors,
                   const Io& io)
{
    const std::string file = args.file == "-" ? "standard input" : args.file;
    const std::string prefix = "dmremap: " + std::string(operation) + " " + args.name + ": ";
    for (std::size_t i = 0; i < std::min(errors.size(), errors_shown); ++i) {
        const BlockListError& e = errors[i];
        io.err << prefix << file << " line " << e.line << ": '" << e.text << "': " << e.problem << '\n';
    }
    if (errors.size() > errors_shown)
        io.err << prefix << (errors.size() - errors_shown) << " more bad lines\n";
    io.err << prefix << "nothing remapped: " << errors.size()
           << (errors.size() == 1 ? " line is" : " lines are") << " not a block of the device\n";
}

// Remaps the blocks in messages of up to max_remap_batch blocks, each all or
// none; stops at the first that fails.
BlockResults remap_in_batches(RemapDevice& device, const std::vector<std::uint64_t>& blocks)
{
    BlockResults results;
    const std::span<const std::uint64_t> all(blocks);
    for (std::size_t at = 0; at < all.size(); at += RemapDevice::max_remap_batch) {
        const auto batch = all.subspan(at, std::min(RemapDevice::max_remap_batch, all.size() - at));
        try {
            for (const RemapReply& reply : device.remap(batch))
                results.done.push_back(BlockResult{reply.block, reply.spare_block});
        } catch (const std::exception& error) {
            for (std::uint64_t block : batch)
                results.failed.push_back(BlockFailure{block, error.what()});
            for (std::uint64_t block : all.subspan(at + batch.size()))
                results.failed.push_back(BlockFailure{block, "not tried: an earlier batch failed"});
            break;
        }
    }
    return results;
}

Json import_json(const DeviceId& id, const ImportBadblocksArgs& args, std::size_t listed,
                 const BlockResults& results, const std::vector<BlockListError>& errors)
{
    Json document = device_document(id);
    document["input_block_size"] = args.listed_block_size();
    document["listed"] = listed;
    document["dry_run"] = args.dry_run;
    Json done = block_results_json(id, results);
    document["blocks"] = std::move(done["blocks"]);
    document["failed"] = std::move(done["failed"]);
    Json list = Json::array();
    for (const BlockListError& e : errors) {
        Json error;
        error["line"] = e.line;
        error["text"] = e.text;
        error["problem"] = e.problem;
        list.push_back(std::move(error));
    }
    document["errors"] = std::move(list);
    return document;
}

}  // namespace

CLI::App* add_import_badblocks_command(CLI::App& app, ImportBadblocksArgs& args)
{
    CLI::App* command = app.add_subcommand(
        "import-badblocks",
        "Remap the blocks listed in the output of e2fsprogs' badblocks, or in a list of 512-byte "
        "LBAs; nothing is remapped unless every line is a block of the device");
    command->add_option("name", args.name, "The dm-remap device")->required();
    command->add_option("file", args.file,
                        "The list: one block number per line, counted from the start of the "
                        "device; - reads standard input")
        ->required();
    CLI::Option* size =
        command
            ->add_option("--input-block-size", args.input_block_size,
                         "Bytes per block of the list (badblocks -b; its default is 1024)")
            ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 30))
            ->capture_default_str();
    command->add_flag("--lba", args.lba, "The list holds 512-byte LBAs (smartctl, kernel log)")
        ->excludes(size);
    command->add_flag("-n,--dry-run", args.dry_run, "Show the blocks it would remap; remap nothing");
    command->add_flag("--json", args.json, "Print one JSON document");
    return command;
}

int run_import_badblocks(const ImportBadblocksArgs& args, const Io& io)
{
    const std::string text = read_list(args.file);
    const BlockList list = parse_block_list(text);
    DmControl dm;
    RemapDevice device(dm, args.name);
    const DeviceId id{args.name, device.info().kernel_name()};
    const BlockMapping mapping = map_listed_blocks(list.blocks, args.listed_block_size(),
                                                   device.table().options.block_size,
                                                   device.nr_blocks());
    const std::vector<BlockListError> errors = all_errors(list, mapping);
    BlockResults results;
    if (list.blocks.empty() && errors.empty())
        io.err << "dmremap: " << operation << " " << args.name << ": the list names no block\n";
    if (!errors.empty()) {
        report_errors(args, errors, io);
    } else if (args.dry_run) {
        for (std::uint64_t block : mapping.blocks)
            results.done.push_back(BlockResult{block, std::nullopt});
    } else {
        results = remap_in_batches(device, mapping.blocks);
        if (!results.failed.empty()) {
            io.err << "dmremap: " << operation << " " << args.name << ": " << results.done.size()
                   << " blocks remapped, " << results.failed.size()
                   << " not: " << results.failed.front().error << '\n';
        }
    }
    if (args.json)
        write_json(io.out, import_json(id, args, list.blocks.size(), results, errors));
    else
        write_block_results_text(io.out, results, !args.dry_run);
    return errors.empty() && results.failed.empty() ? exit_success : exit_failure;
}

}  // namespace dmremap::cli
