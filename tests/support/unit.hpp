// A minimal test harness for the engine's suites, which must build without Qt (also on the GPU machine).
// TEST(name) registers a case; CHECK/CHECK_EQ/CHECK_NEAR/CHECK_THROWS record failures; main prints "N passed, N failed".
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace unit {

struct Case {
    const char* name;
    std::function<void()> body;
};

inline std::vector<Case>& cases() {
    static std::vector<Case> c;
    return c;
}
inline int& failures_in_case() {
    static int f = 0;
    return f;
}

struct Registrar {
    Registrar(const char* name, std::function<void()> body) { cases().push_back({name, std::move(body)}); }
};

inline void report(const char* file, int line, const std::string& what) {
    std::fprintf(stderr, "  %s:%d: %s\n", file, line, what.c_str());
    ++failures_in_case();
}

template <typename A, typename B>
std::string describe(const A& a, const B& b) {
    std::ostringstream s;
    s << a << " != " << b;
    return s.str();
}

// The shared/ folder beside the checkout (FATHOM_SHARED_DIR overrides, e.g. on the GPU machine).
inline std::filesystem::path shared_dir() {
    if (const char* env = std::getenv("FATHOM_SHARED_DIR")) return env;
#ifdef FATHOM_SHARED_DIR_DEFAULT
    return FATHOM_SHARED_DIR_DEFAULT;
#else
    return "../shared";
#endif
}

inline int run_all(int argc, char** argv) {
    int passed = 0, failed = 0;
    const char* only = argc > 1 ? argv[1] : nullptr;
    for (const auto& c : cases()) {
        if (only && std::string(c.name).find(only) == std::string::npos) continue;
        failures_in_case() = 0;
        try {
            c.body();
        } catch (const std::exception& e) {
            report(__FILE__, __LINE__, std::string("unexpected exception: ") + e.what());
        }
        if (failures_in_case() == 0) {
            ++passed;
            std::fprintf(stderr, "PASS %s\n", c.name);
        } else {
            ++failed;
            std::fprintf(stderr, "FAIL %s\n", c.name);
        }
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}

}  // namespace unit

#define UNIT_CAT2(a, b) a##b
#define UNIT_CAT(a, b) UNIT_CAT2(a, b)
#define TEST(name)                                                                  \
    static void UNIT_CAT(unit_case_, __LINE__)();                                   \
    static unit::Registrar UNIT_CAT(unit_reg_, __LINE__)(name, UNIT_CAT(unit_case_, __LINE__)); \
    static void UNIT_CAT(unit_case_, __LINE__)()

#define CHECK(cond) \
    do { if (!(cond)) unit::report(__FILE__, __LINE__, "CHECK(" #cond ") failed"); } while (0)
#define CHECK_EQ(a, b) \
    do { auto&& _a = (a); auto&& _b = (b); if (!(_a == _b)) unit::report(__FILE__, __LINE__, #a " == " #b ": " + unit::describe(_a, _b)); } while (0)
#define CHECK_NEAR(a, b, tol) \
    do { double _a = (a), _b = (b); if (!(std::fabs(_a - _b) <= (tol))) unit::report(__FILE__, __LINE__, #a " ~ " #b ": " + unit::describe(_a, _b)); } while (0)
#define CHECK_THROWS_WITH(expr, fragment)                                                         \
    do {                                                                                          \
        bool _threw = false;                                                                      \
        try { (void)(expr); } catch (const std::exception& _e) {                                  \
            _threw = true;                                                                        \
            if (std::string(_e.what()).find(fragment) == std::string::npos)                       \
                unit::report(__FILE__, __LINE__, std::string("message lacks '") + (fragment) + "': " + _e.what()); \
        }                                                                                         \
        if (!_threw) unit::report(__FILE__, __LINE__, #expr " did not throw");                    \
    } while (0)

#define UNIT_MAIN() \
    int main(int argc, char** argv) { return unit::run_all(argc, argv); }
