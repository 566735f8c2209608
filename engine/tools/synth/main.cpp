// fathom-synth: writes random-weight V4 checkpoints in the official layout (placeholder until issue 5 lands it).
#include <cstdio>

int main() {
    std::fprintf(stderr, "fathom-synth: not implemented yet\n");
    return 2;
}
