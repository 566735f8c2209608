// Timestamps (ms since the epoch, as storage keeps them) worded for the UI: "just now", "5 min ago", a date.
// One place, so the sidebar and the messages agree.
#pragma once

#include <QString>

#include <cstdint>

namespace fathom::app {

QString relativeTimeText(int64_t epochMs);
QString clockText(int64_t epochMs);

}  // namespace fathom::app
