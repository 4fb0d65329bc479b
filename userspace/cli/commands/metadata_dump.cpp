#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "commands.hpp"
#include "error.hpp"
#include "metadata_check.hpp"
#include "metadata_image.hpp"
#include "metadata_json.hpp"

namespace dmremap::cli {

namespace {

// Writes the dump to a file beside the output, renamed over it once it is
// complete: a failed dump leaves no half file behind.
class OutputFile {
public:
    explicit OutputFile(std::filesystem::path path)
        : path_(std::move(path)), temporary_(path_.string() + ".tmp." + std::to_string(::getpid()))
    {
        stream_.open(temporary_, std::ios::out | std::ios::trunc);
        if (!stream_)
            throw OperationError("create", temporary_.string(), errno_text(errno), errno);
    }
    ~OutputFile()
    {
        if (!committed_) {
            std::error_code ignored;
            std::filesystem::remove(temporary_, ignored);
        }
    }
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    std::ostream& stream() { return stream_; }

    void commit()
    {
        stream_.close();
        if (!stream_)
            throw OperationError("write", temporary_.string(), "the write failed");
        std::error_code error;
        std::filesystem::rename(temporary_, path_, error);
        if (error)
            throw OperationError("rename", temporary_.string(), error.message(), error.value());
        committed_ = true;
    }

private:
    std::filesystem::path path_;
    std::filesystem::path temporary_;
    std::ofstream stream_;
    bool committed_ = false;
};

}  // namespace

CLI::App* add_metadata_dump_command(CLI::App& metadata, MetadataDumpArgs& args)
{
    CLI::App* command = metadata.add_subcommand(
        "dump", "Write the superblocks and every remap of the copy the kernel would load as "
                "JSON (the input of restore)");
    command->add_option("spare", args.spare, "The spare block device or image file")->required();
    command->add_option("-o,--output", args.output, "Write to FILE instead of stdout");
    return command;
}

int run_metadata_dump(const MetadataDumpArgs& args, const Io& io)
{
    metadata::SpareFile spare(args.spare, metadata::SpareFile::Mode::read_only);
    const metadata::CheckReport report = metadata::check_metadata(spare);
    const metadata::CopyReport* chosen = report.chosen_copy();
    if (!chosen) {
        throw OperationError("dump the metadata of", args.spare,
                             "no consistent metadata copy to dump (dmremap metadata check shows "
                             "why)");
    }
    if (report.damaged()) {
        io.err << "dmremap: warning: the metadata of " << args.spare
               << " has problems (dmremap metadata check lists them); dumping copy "
               << chosen->copy << ", the one the kernel would load\n";
    }

    const bool to_file = !args.output.empty() && args.output != "-";
    std::optional<OutputFile> file;
    if (to_file)
        file.emplace(args.output);
    std::ostream& out = to_file ? file->stream() : io.out;
    metadata::DumpWriter writer(out, report);
    std::uint64_t remaps = 0;
    metadata::for_each_remap(spare, *chosen, [&](std::uint64_t spare_block, const metadata::Entry& e) {
        writer.add(spare_block, e);
        ++remaps;
    });
    writer.finish();
    if (to_file) {
        file->commit();
        io.err << "dumped " << remaps << " remaps (copy " << chosen->copy << ", seq "
               << chosen->superblock->seq << ") to " << args.output << '\n';
    }
    return exit_success;
}

}  // namespace dmremap::cli
