// Python's separators and string escapes (non-ASCII kept as is, control characters as \uXXXX); numbers
// as nlohmann prints them, which agrees with Python for integers and shortest-round-trip floats.
#include "tokenizer/python_json.hpp"

#include <cstdio>

namespace fathom::tokenizer {

namespace {

void dump_string(const std::string& s, std::string& out) {
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

void dump(const nlohmann::ordered_json& v, std::string& out) {
    switch (v.type()) {
        case nlohmann::json::value_t::object: {
            out += '{';
            bool first = true;
            for (const auto& [key, item] : v.items()) {
                if (!first) out += ", ";
                first = false;
                dump_string(key, out);
                out += ": ";
                dump(item, out);
            }
            out += '}';
            break;
        }
        case nlohmann::json::value_t::array: {
            out += '[';
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (i) out += ", ";
                dump(v[i], out);
            }
            out += ']';
            break;
        }
        case nlohmann::json::value_t::string: dump_string(v.get_ref<const std::string&>(), out); break;
        default: out += v.dump(); break;  // numbers, booleans, null
    }
}

}  // namespace

std::string python_json_dumps(const nlohmann::ordered_json& value) {
    std::string out;
    dump(value, out);
    return out;
}

}  // namespace fathom::tokenizer
