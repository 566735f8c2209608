// PiecePipeline: generates the pieces of a checkpoint on worker threads, at most `window` ahead of the writer,
// and hands them over strictly in order, so memory stays bounded while every core generates.
#pragma once

#include "tools/synth/tensor_filler.hpp"

#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace fathom::synth {

class PiecePipeline {
public:
    using Generate = std::function<Piece(size_t item)>;

    PiecePipeline(size_t items, Generate generate, unsigned threads, size_t window);
    ~PiecePipeline();
    PiecePipeline(const PiecePipeline&) = delete;
    PiecePipeline& operator=(const PiecePipeline&) = delete;

    Piece next();  // the next item in order; rethrows a worker's exception

private:
    void work();

    size_t items_;
    Generate generate_;
    size_t window_;
    std::mutex mutex_;
    std::condition_variable changed_;
    size_t next_to_start_ = 0;
    size_t next_to_hand_ = 0;
    std::map<size_t, Piece> done_;
    std::exception_ptr failure_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace fathom::synth
