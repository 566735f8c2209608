// fathom-bench: prints engine figures beside their physical floors (placeholder until the forward pass lands).
#include <cstdio>

int main() {
    std::fprintf(stderr, "fathom-bench: not implemented yet\n");
    return 2;
}
