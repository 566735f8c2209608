// Snapshots use the CPU's format: the device caches are copied into BlockStates and back, so a session stored from
// the GPU can be restored on either backend.
#include "cuda/cuda_backend_impl.cuh"

#include "runtime/session_snapshot.hpp"

namespace fathom::cuda::backend {

namespace {

std::vector<float> download_floats(const DeviceBuffer& b, size_t count) {
    std::vector<float> v(count);
    if (count) FATHOM_CUDA_CHECK(cudaMemcpy(v.data(), b.as<float>(), count * 4, cudaMemcpyDeviceToHost));
    return v;
}

void upload_floats(DeviceBuffer& b, const std::vector<float>& v) {
    if (v.size() * 4 != b.bytes()) b = DeviceBuffer(v.size() * 4);
    if (!v.empty()) FATHOM_CUDA_CHECK(cudaMemcpy(b.as<float>(), v.data(), v.size() * 4, cudaMemcpyHostToDevice));
}

cpu::CompressorState to_host(const DeviceCompressorState& d, int64_t width) {
    cpu::CompressorState h;
    h.block_a = download_floats(d.block_a, d.block_a.bytes() / 4);
    h.block_z = download_floats(d.block_z, d.block_z.bytes() / 4);
    h.prev_a = download_floats(d.prev_a, d.prev_a.bytes() / 4);
    h.prev_z = download_floats(d.prev_z, d.prev_z.bytes() / 4);
    h.rows = download_floats(d.rows, static_cast<size_t>(d.count * width));
    h.filled = d.filled;
    h.has_prev = d.has_prev;
    h.count = d.count;
    return h;
}

void to_device(const cpu::CompressorState& h, DeviceCompressorState& d) {
    upload_floats(d.block_a, h.block_a);
    upload_floats(d.block_z, h.block_z);
    upload_floats(d.prev_a, h.prev_a);
    upload_floats(d.prev_z, h.prev_z);
    upload_floats(d.rows, h.rows);
    d.capacity = h.count;  // the rows buffer holds exactly the restored rows; appends grow it
    d.filled = h.filled;
    d.has_prev = h.has_prev;
    d.count = h.count;
}

}  // namespace

std::vector<uint8_t> CudaBackend::snapshot(const std::vector<std::unique_ptr<BlockCache>>& caches, const std::vector<int64_t>& tokens) const {
    SessionState st;
    st.tokens = tokens;
    for (size_t i = 0; i < caches.size(); ++i) {
        const auto& c = static_cast<const CudaCache&>(*caches[i]);
        BlockState b;
        b.next_pos = c.next_pos;
        b.window = download_floats(c.ring, c.ring.bytes() / 4);
        const auto& blk = blocks_[i];
        if (blk.has_compressor) b.kv = to_host(c.kv, blk.comp.width);
        if (blk.has_indexer) b.index = to_host(c.index, blk.index_comp.width);
        st.blocks.push_back(std::move(b));
    }
    return serialize_session(st, m_.fingerprint());
}

std::vector<std::unique_ptr<BlockCache>> CudaBackend::restore(std::span<const uint8_t> bytes, std::vector<int64_t>& tokens) const {
    std::vector<BlockState> templates;
    for (int64_t i = 0; i < m_.num_blocks(); ++i) templates.push_back(m_.block(i).new_state());
    SessionState st = deserialize_session(bytes, m_.fingerprint(), templates, m_.block_layouts());
    std::vector<std::unique_ptr<BlockCache>> caches;
    for (size_t i = 0; i < st.blocks.size(); ++i) {
        auto cache = new_cache(static_cast<int64_t>(i));
        auto& c = static_cast<CudaCache&>(*cache);
        const BlockState& b = st.blocks[i];
        c.next_pos = b.next_pos;
        upload_floats(c.ring, b.window);
        if (blocks_[i].has_compressor) to_device(b.kv, c.kv);
        if (blocks_[i].has_indexer) to_device(b.index, c.index);
        caches.push_back(std::move(cache));
    }
    tokens = std::move(st.tokens);
    return caches;
}

}  // namespace fathom::cuda::backend
