#pragma once

#include <ostream>

#include "health_reasons.hpp"
#include "render.hpp"

// `dmremap health`: the score, the state, the figures and each reason with
// the figure behind it and the points it cost.
namespace dmremap::cli {

Json health_json(const DeviceId& id, const HealthFigures& health);
void write_health_text(std::ostream& out, const HealthFigures& health);

}  // namespace dmremap::cli
