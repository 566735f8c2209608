// The schema's history: forward-only steps, numbered from 1. user_version records the last one applied;
// a step is never edited once released, a change is a new step appended at the end.
#pragma once

#include <span>

namespace fathom::storage {

struct Migration {
    int version;              // the user_version after this step
    const char* description;  // for logs and errors
    const char* sql;
};

std::span<const Migration> schema_migrations();
int latest_schema_version();

}  // namespace fathom::storage
