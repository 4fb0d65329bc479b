#pragma once

#include <exception>
#include <string>

namespace dmremap::cli {

// What a failure says for people: the error, and what to do about it where
// the error tells (" (run dmremap as root)" for a permission refused to a
// user other than root).
std::string failure_text(const std::exception& error);

}  // namespace dmremap::cli
