#include "tools/synth/piece_pipeline.hpp"

#include "fathom/error.hpp"

namespace fathom::synth {

PiecePipeline::PiecePipeline(size_t items, Generate generate, unsigned threads, size_t window)
    : items_(items), generate_(std::move(generate)), window_(window < 1 ? 1 : window) {
    for (unsigned t = 0; t < (threads < 1 ? 1 : threads); ++t) workers_.emplace_back([this] { work(); });
}

PiecePipeline::~PiecePipeline() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    for (auto& w : workers_) w.join();
}

void PiecePipeline::work() {
    for (;;) {
        size_t item;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] {
                return stopping_ || failure_ || next_to_start_ >= items_ || next_to_start_ < next_to_hand_ + window_;
            });
            if (stopping_ || failure_ || next_to_start_ >= items_) return;
            item = next_to_start_++;
        }
        try {
            Piece p = generate_(item);
            std::lock_guard lock(mutex_);
            done_.emplace(item, std::move(p));
        } catch (...) {
            std::lock_guard lock(mutex_);
            if (!failure_) failure_ = std::current_exception();
        }
        changed_.notify_all();
    }
}

Piece PiecePipeline::next() {
    std::unique_lock lock(mutex_);
    if (next_to_hand_ >= items_) throw Error("fathom-synth: piece pipeline asked for more pieces than planned");
    changed_.wait(lock, [&] { return failure_ || done_.count(next_to_hand_); });
    if (failure_) std::rethrow_exception(failure_);
    Piece p = std::move(done_.at(next_to_hand_));
    done_.erase(next_to_hand_);
    ++next_to_hand_;
    lock.unlock();
    changed_.notify_all();
    return p;
}

}  // namespace fathom::synth
