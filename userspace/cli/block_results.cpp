#include "block_results.hpp"

namespace dmremap::cli {

Json block_results_json(const DeviceId& id, const BlockResults& results)
{
    Json document = device_document(id);
    Json blocks = Json::array();
    for (const BlockResult& r : results.done) {
        Json entry;
        entry["block"] = r.block;
        entry["spare_block"] = r.spare_block ? Json(*r.spare_block) : Json(nullptr);
        blocks.push_back(std::move(entry));
    }
    Json failed = Json::array();
    for (const BlockFailure& f : results.failed) {
        Json entry;
        entry["block"] = f.block;
        entry["error"] = f.error;
        failed.push_back(std::move(entry));
    }
    document["blocks"] = std::move(blocks);
    document["failed"] = std::move(failed);
    return document;
}

void write_block_results_text(std::ostream& out, const BlockResults& results, bool with_spare)
{
    for (const BlockResult& r : results.done) {
        out << r.block;
        if (with_spare && r.spare_block)
            out << ' ' << *r.spare_block;
        out << '\n';
    }
}

}  // namespace dmremap::cli
