// Each CUDA kernel against its CPU twin (engine/cpu) on fresh random inputs of awkward shapes.
#include "cpu/compressor.hpp"
#include "cpu/linear_kernels.hpp"
#include "cpu/moe.hpp"
#include "cpu/quantize.hpp"
#include "cpu/rms_norm.hpp"
#include "cpu/rope.hpp"
#include "cuda/compressor_step.cuh"
#include "cuda/forward_kernels.cuh"
#include "cuda/grouped_expert_gemm.cuh"
#include "cuda/grouped_gemv.cuh"
#include "cuda/linear.cuh"
#include "cuda/pointwise.cuh"
#include "cuda/sampling.cuh"
#include "cpu/sampler.hpp"
#include "compare.hpp"
#include "random_weights.hpp"
#include "unit.hpp"

#include <cstdio>
#include <random>

using namespace fathom;

namespace {

using unit::rel_error;

std::vector<float> random_vector(size_t n, std::mt19937& rng, float scale = 1.0f) {
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

std::mt19937 fresh_rng() { return std::mt19937(std::random_device{}()); }

// fp32 weights live in Weight::owned (the hyper-connection fns); the other formats come from random_weight.
unit::OwnedWeight test_weight(cpu::WeightFormat f, int64_t out, int64_t in, std::mt19937& rng) {
    if (f != cpu::WeightFormat::F32) return unit::random_weight(f, out, in, rng);
    unit::OwnedWeight o;
    o.w.format = cpu::WeightFormat::F32;
    o.w.out = out;
    o.w.in = in;
    o.w.owned = random_vector(static_cast<size_t>(out * in), rng, 0.03f);
    return o;
}

}  // namespace

TEST("GPU linear (GEMV and tiled GEMM) matches the CPU reference for FP8, FP4 and bf16 weights") {
    auto rng = fresh_rng();
    for (auto f : {cpu::WeightFormat::Fp8Block128, cpu::WeightFormat::Fp4Group32, cpu::WeightFormat::Bf16}) {
        for (auto [out, in] : {std::pair<int64_t, int64_t>{37, 160}, {200, 96}, {300, 512}}) {
            if (f == cpu::WeightFormat::Fp4Group32 && in % 32 != 0) continue;
            auto o = unit::random_weight(f, out, in, rng);
            cuda::DeviceWeight dw(o.w);
            for (int64_t T : {1, 3, 8, 13, 70}) {
                const auto x = random_vector(static_cast<size_t>(T * in), rng);
                std::vector<float> ref(static_cast<size_t>(T * out));
                cpu::linear_with(cpu::reference_kernels(), o.w, x.data(), T, ref.data());
                auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
                for (auto path : {cuda::LinearPath::Gemv, cuda::LinearPath::TiledGemm}) {
                    cuda::DeviceBuffer dy(ref.size() * 4);
                    FATHOM_CUDA_CHECK(cudaMemset(dy.as<float>(), 0xff, dy.bytes()));  // poison: NaN everywhere
                    cuda::linear_path(path, dw.view(), dx.as<float>(), T, dy.as<float>());
                    FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
                    const double e = rel_error(dy.to_host<float>(), ref);
                    if (!(e < 1e-5)) std::fprintf(stderr, "  format %d out %lld in %lld T %lld path %d: rel error %.3g\n", int(f), (long long)out, (long long)in, (long long)T, int(path), e);
                    CHECK(e < 1e-5);
                }
            }
            // A row view of the device weight equals the same rows of the full product.
            const auto x = random_vector(static_cast<size_t>(in), rng);
            std::vector<float> ref(static_cast<size_t>(out));
            cpu::linear_with(cpu::reference_kernels(), o.w, x.data(), 1, ref.data());
            auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
            cuda::DeviceBuffer dy(static_cast<size_t>(20) * 4);
            cuda::linear(dw.rows(7, 20), dx.as<float>(), 1, dy.as<float>());
            CHECK(rel_error(dy.to_host<float>(), std::vector<float>(ref.begin() + 7, ref.begin() + 27)) < 1e-5);
        }
    }
}

TEST("GPU GEMV split along K (few rows, long rows) and the grouped GEMV match the CPU reference") {
    auto rng = fresh_rng();
    struct Shape {
        cpu::WeightFormat format;
        int64_t out, in;
    };
    const Shape shapes[] = {{cpu::WeightFormat::F32, 24, 16384}, {cpu::WeightFormat::F32, 4, 16384},
                            {cpu::WeightFormat::Fp4Group32, 256, 4096}, {cpu::WeightFormat::Fp8Block128, 64, 2048},
                            {cpu::WeightFormat::Bf16, 40, 8192}};
    for (const auto& sh : shapes) {
        auto o = test_weight(sh.format, sh.out, sh.in, rng);
        cuda::DeviceWeight dw(o.w);
        for (int64_t T : {1, 5, 12}) {
            const auto x = random_vector(static_cast<size_t>(T * sh.in), rng);
            std::vector<float> ref(static_cast<size_t>(T * sh.out));
            cpu::linear_with(cpu::reference_kernels(), o.w, x.data(), T, ref.data());
            auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
            cuda::DeviceBuffer dy(ref.size() * 4);
            FATHOM_CUDA_CHECK(cudaMemset(dy.as<float>(), 0xff, dy.bytes()));
            cuda::linear_path(cuda::LinearPath::Gemv, dw.view(), dx.as<float>(), T, dy.as<float>());
            FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
            const double e = rel_error(dy.to_host<float>(), ref);
            if (!(e < 1e-5)) std::fprintf(stderr, "  split GEMV format %d out %lld in %lld T %lld: rel error %.3g\n", int(sh.format), (long long)sh.out, (long long)sh.in, (long long)T, e);
            CHECK(e < 1e-5);
        }
    }
    // Grouped: FP4 and FP8 weights of different shapes, each with its own input, in one launch.
    std::vector<unit::OwnedWeight> ws;
    std::vector<cuda::DeviceWeight> dws;
    const Shape group[] = {{cpu::WeightFormat::Fp4Group32, 300, 512}, {cpu::WeightFormat::Fp8Block128, 129, 1024},
                           {cpu::WeightFormat::Fp4Group32, 64, 2048}, {cpu::WeightFormat::Bf16, 17, 256}};
    std::vector<std::vector<float>> xs, refs;
    std::vector<cuda::DeviceBuffer> dxs, dys;
    std::vector<cuda::GemvTask> tasks;
    for (const auto& sh : group) {
        ws.push_back(unit::random_weight(sh.format, sh.out, sh.in, rng));
        dws.emplace_back(ws.back().w);
        xs.push_back(random_vector(static_cast<size_t>(sh.in), rng));
        refs.emplace_back(static_cast<size_t>(sh.out));
        cpu::linear_with(cpu::reference_kernels(), ws.back().w, xs.back().data(), 1, refs.back().data());
        dxs.push_back(cuda::DeviceBuffer::from(std::span<const float>(xs.back())));
        dys.emplace_back(static_cast<size_t>(sh.out) * 4);
    }
    for (size_t i = 0; i < dws.size(); ++i) tasks.push_back({dws[i].view(), dxs[i].as<float>(), dys[i].as<float>()});
    cuda::grouped_gemv(tasks, nullptr);
    FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
    for (size_t i = 0; i < dws.size(); ++i) {
        const double e = rel_error(dys[i].to_host<float>(), refs[i]);
        if (!(e < 1e-5)) std::fprintf(stderr, "  grouped GEMV task %zu: rel error %.3g\n", i, e);
        CHECK(e < 1e-5);
    }
    // Chosen on the device (a routed expert picked by the GPU's router): three FP4 matrices of one shape in a table,
    // the index on the device; a task given the wrong matrix as its shape template must still use the picked one.
    std::vector<unit::OwnedWeight> experts;
    std::vector<cuda::DeviceWeight> dexperts;
    std::vector<cuda::DeviceWeightView> table;
    for (int e = 0; e < 3; ++e) {
        experts.push_back(unit::random_weight(cpu::WeightFormat::Fp4Group32, 192, 1024, rng));
        dexperts.emplace_back(experts.back().w);
        table.push_back(dexperts.back().view());
    }
    auto dtable = cuda::DeviceBuffer::from(std::span<const cuda::DeviceWeightView>(table));
    const std::vector<int32_t> picks{2, 0};
    auto dpicks = cuda::DeviceBuffer::from(std::span<const int32_t>(picks));
    const auto xe = random_vector(1024, rng);
    auto dxe = cuda::DeviceBuffer::from(std::span<const float>(xe));
    std::vector<cuda::DeviceBuffer> dye;
    std::vector<cuda::GemvTask> picked;
    for (size_t j = 0; j < picks.size(); ++j) {
        dye.emplace_back(192 * 4);
        cuda::GemvTask t{table[1], dxe.as<float>(), dye.back().as<float>()};
        t.table = dtable.as<cuda::DeviceWeightView>();
        t.index = dpicks.as<int32_t>() + j;
        picked.push_back(t);
    }
    cuda::grouped_gemv(picked, nullptr);
    FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
    for (size_t j = 0; j < picks.size(); ++j) {
        std::vector<float> ref(192);
        cpu::linear_with(cpu::reference_kernels(), experts[static_cast<size_t>(picks[j])].w, xe.data(), 1, ref.data());
        const double e = rel_error(dye[j].to_host<float>(), ref);
        if (!(e < 1e-5)) std::fprintf(stderr, "  grouped GEMV picked on the device, task %zu: rel error %.3g\n", j, e);
        CHECK(e < 1e-5);
    }
}

TEST("grouped FP4 expert products (tensor cores, FP4 decoded in shared memory) match the CPU reference") {
    auto rng = fresh_rng();
    for (const auto [n, k] : {std::pair<int64_t, int64_t>{256, 512}, {100, 96}, {2048, 4096}}) {
        // Experts with token counts around the 64-row tile: 0, 1, 63, 64, 65, 130 rows.
        const std::vector<int64_t> rows{1, 63, 0, 64, 65, 130};
        std::vector<unit::OwnedWeight> ws;
        std::vector<cuda::DeviceWeight> dws;
        std::vector<cuda::ExpertProduct> products;
        int64_t total = 0;
        for (int64_t r : rows) {
            ws.push_back(unit::random_weight(cpu::WeightFormat::Fp4Group32, n, k, rng));
            products.push_back({{}, total, r});
            total += r;
        }
        for (auto& w : ws) dws.emplace_back(w.w);
        for (size_t i = 0; i < rows.size(); ++i) products[i].w = dws[i].view();
        // FP8-rounded activations: bf16 numbers, as the model's expert inputs are.
        auto x = random_vector(static_cast<size_t>(total * k), rng);
        for (int64_t r = 0; r < total; ++r) cpu::fp8_round_trip(x.data() + r * k, k, cpu::kActivationBlock);
        std::vector<int32_t> identity(static_cast<size_t>(total));
        for (int64_t r = 0; r < total; ++r) identity[static_cast<size_t>(r)] = static_cast<int32_t>(r);
        auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
        auto drows = cuda::DeviceBuffer::from(std::span<const int32_t>(identity));
        cuda::DeviceBuffer xb(static_cast<size_t>(total * k) * 2), dy(static_cast<size_t>(total * n) * 4);
        FATHOM_CUDA_CHECK(cudaMemset(dy.as<float>(), 0xff, dy.bytes()));
        cuda::gather_rows_bf16(dx.as<float>(), drows.as<int32_t>(), total, k, xb.as<__nv_bfloat16>(), nullptr);
        cuda::grouped_fp4_gemm(products, xb.as<__nv_bfloat16>(), dy.as<float>(), nullptr);
        FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
        const auto y = dy.to_host<float>();
        for (size_t i = 0; i < rows.size(); ++i) {
            if (rows[i] == 0) continue;
            std::vector<float> ref(static_cast<size_t>(rows[i] * n));
            cpu::linear_with(cpu::reference_kernels(), ws[i].w, x.data() + products[i].row_begin * k, rows[i], ref.data());
            const std::vector<float> got(y.begin() + products[i].row_begin * n, y.begin() + (products[i].row_begin + rows[i]) * n);
            const double e = rel_error(got, ref);
            if (!(e < 1e-5)) std::fprintf(stderr, "  grouped FP4 GEMM n %lld k %lld expert %zu (%lld rows): rel error %.3g\n", (long long)n, (long long)k, i, (long long)rows[i], e);
            CHECK(e < 1e-5);
        }
    }
}

TEST("GPU tensor-core products match the CPU reference: FP8 block-scaled, and bf16 with exact operands") {
    auto rng = fresh_rng();
    struct Case {
        cpu::WeightFormat format;
        int64_t out, in;
        cuda::LinearInput input;
        bool allow_fp8;
        cuda::TensorCorePath expect;
    };
    using P = cuda::TensorCorePath;
    const auto F8 = cpu::WeightFormat::Fp8Block128, F4 = cpu::WeightFormat::Fp4Group32;
    const auto R = cuda::LinearInput::Fp8Rounded, Plain = cuda::LinearInput::Plain;
    const Case cases[] = {
        {F8, 384, 1024, R, true, P::Fp8BlockScaled}, {F8, 200, 512, R, true, P::Fp8BlockScaled},
        {F8, 300, 384, R, true, P::Fp8BlockScaled},  {F8, 256, 256, R, true, P::Fp8BlockScaled},
        {F8, 300, 1024, R, false, P::Bf16Exact},     {F8, 256, 1024, Plain, true, P::Bf16Exact},
        {F8, 128, 200, R, true, P::None},            {F4, 256, 512, R, true, P::Bf16Exact},
        {F4, 100, 96, Plain, false, P::Bf16Exact},   {cpu::WeightFormat::Bf16, 124, 256, Plain, false, P::Bf16Exact},
        {cpu::WeightFormat::F32, 24, 1024, Plain, false, P::Fp32},
    };
    for (const auto& c : cases) {
        auto o = test_weight(c.format, c.out, c.in, rng);
        cuda::DeviceWeight dw(o.w);
        // Each FP8-path case also runs exact (allow_fp8 off).
        const bool fp8 = c.expect == cuda::TensorCorePath::Fp8BlockScaled;
        CHECK(cuda::tensor_core_path(dw.view(), c.input, c.allow_fp8) == c.expect);
        if (c.expect == cuda::TensorCorePath::None) continue;
        for (int64_t T : {17, 64, 133}) {
            auto x = random_vector(static_cast<size_t>(T * c.in), rng);
            if (c.input == cuda::LinearInput::Fp8Rounded)
                for (int64_t t = 0; t < T; ++t) cpu::fp8_round_trip(x.data() + t * c.in, c.in, 128);
            std::vector<float> ref(static_cast<size_t>(T * c.out));
            cpu::linear_with(cpu::reference_kernels(), o.w, x.data(), T, ref.data());
            auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
            cuda::DeviceBuffer dy(ref.size() * 4);
            FATHOM_CUDA_CHECK(cudaMemset(dy.as<float>(), 0xff, dy.bytes()));
            for (bool allow_fp8 : {fp8, false}) {
                FATHOM_CUDA_CHECK(cudaMemset(dy.as<float>(), 0xff, dy.bytes()));
                cuda::linear_path(cuda::LinearPath::TensorCores, dw.view(), dx.as<float>(), T, dy.as<float>(), nullptr, c.input, allow_fp8);
                FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
                const double e = rel_error(dy.to_host<float>(), ref);
                std::fprintf(stderr, "  tensor cores: format %d out %lld in %lld T %lld fp8 %d: rel error %.3g\n", int(c.format),
                             (long long)c.out, (long long)c.in, (long long)T, int(allow_fp8), e);
                CHECK(e < (allow_fp8 ? 5e-4 : 1e-5));
                if (!fp8) break;
            }
        }
    }
    // Inputs and outputs that are views 16 bytes into a buffer (not 256-byte aligned): the same values.
    for (auto f : {cpu::WeightFormat::F32, cpu::WeightFormat::Fp4Group32}) {
        auto o = test_weight(f, 64, 256, rng);
        cuda::DeviceWeight dw(o.w);
        const int64_t T = 32;
        const auto x = random_vector(static_cast<size_t>(T * 256), rng);
        std::vector<float> ref(static_cast<size_t>(T * 64));
        cpu::linear_with(cpu::reference_kernels(), o.w, x.data(), T, ref.data());
        cuda::DeviceBuffer dx((x.size() + 4) * 4), dy((ref.size() + 4) * 4);
        FATHOM_CUDA_CHECK(cudaMemcpy(dx.as<float>() + 4, x.data(), x.size() * 4, cudaMemcpyHostToDevice));
        cuda::linear_path(cuda::LinearPath::TensorCores, dw.view(), dx.as<float>() + 4, T, dy.as<float>() + 4);
        std::vector<float> got(ref.size());
        FATHOM_CUDA_CHECK(cudaMemcpy(got.data(), dy.as<float>() + 4, got.size() * 4, cudaMemcpyDeviceToHost));
        const double e = rel_error(got, ref);
        std::fprintf(stderr, "  tensor cores, unaligned views, format %d: rel error %.3g\n", int(f), e);
        CHECK(e < 1e-5);
    }
    // A view of rows starting at a 128-row boundary (as wo_a's groups) takes the same scales as the full weight.
    auto o = unit::random_weight(cpu::WeightFormat::Fp8Block128, 512, 512, rng);
    cuda::DeviceWeight dw(o.w);
    const int64_t T = 40;
    auto x = random_vector(static_cast<size_t>(T * 512), rng);
    for (int64_t t = 0; t < T; ++t) cpu::fp8_round_trip(x.data() + t * 512, 512, 128);
    std::vector<float> ref(static_cast<size_t>(T * 512));
    cpu::linear_with(cpu::reference_kernels(), o.w, x.data(), T, ref.data());
    auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
    cuda::DeviceBuffer dy(static_cast<size_t>(T * 128) * 4);
    auto view = dw.rows(256, 128);
    CHECK(cuda::tensor_core_path(view, cuda::LinearInput::Fp8Rounded, true) == cuda::TensorCorePath::Fp8BlockScaled);
    cuda::linear_path(cuda::LinearPath::TensorCores, view, dx.as<float>(), T, dy.as<float>(), nullptr, cuda::LinearInput::Fp8Rounded, true);
    std::vector<float> ref_rows;
    for (int64_t t = 0; t < T; ++t) ref_rows.insert(ref_rows.end(), ref.begin() + t * 512 + 256, ref.begin() + t * 512 + 384);
    const double e = rel_error(dy.to_host<float>(), ref_rows);
    std::fprintf(stderr, "  tensor cores, FP8 row view: rel error %.3g\n", e);
    CHECK(e < 5e-4);
}

TEST("GPU MoE router chooses the CPU twin's experts and weights (score routing with bias, hash routing without)") {
    auto rng = fresh_rng();
    const int64_t d = 64, E = 256, k = 6, vocab = 50;
    auto gate = unit::random_weight(cpu::WeightFormat::Bf16, E, d, rng);
    const auto bias = random_vector(static_cast<size_t>(E), rng, 0.1f);
    std::vector<int64_t> tid2eid(static_cast<size_t>(vocab * k));
    for (int64_t v = 0; v < vocab; ++v)
        for (int64_t j = 0; j < k; ++j) tid2eid[v * k + j] = (v * 7 + j * 41) % E;
    for (bool hash : {false, true}) {
        for (int64_t T : {1, 5, 37}) {
            const auto x = random_vector(static_cast<size_t>(T * d), rng);
            std::vector<int64_t> tokens(static_cast<size_t>(T));
            for (auto& t : tokens) t = static_cast<int64_t>(rng() % vocab);
            cpu::RouterParams p;
            p.gate = &gate.w;
            p.bias = hash ? nullptr : bias.data();
            p.tid2eid = hash ? tid2eid.data() : nullptr;
            p.n_experts = E;
            p.topk = k;
            p.vocab = vocab;
            p.routed_scaling = 1.5f;
            const auto ref = cpu::route(p, x.data(), tokens.data(), T, d);
            std::vector<float> u(static_cast<size_t>(T * E));
            cpu::linear(gate.w, x.data(), T, u.data());  // the router's own logits, so only the choice is compared
            auto du = cuda::DeviceBuffer::from(std::span<const float>(u));
            auto dbias = cuda::DeviceBuffer::from(std::span<const float>(bias));
            auto dtid = cuda::DeviceBuffer::from(std::span<const int64_t>(tid2eid));
            auto dtok = cuda::DeviceBuffer::from(std::span<const int64_t>(tokens));
            cuda::DeviceBuffer de(static_cast<size_t>(T * k) * 4), dw(static_cast<size_t>(T * k) * 4);
            cuda::moe_route(du.as<float>(), hash ? nullptr : dbias.as<float>(), hash ? dtid.as<int64_t>() : nullptr, dtok.as<int64_t>(), T,
                            E, k, 1.5f, de.as<int32_t>(), dw.as<float>(), nullptr);
            FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
            CHECK(de.to_host<int32_t>() == ref.experts);
            CHECK(rel_error(dw.to_host<float>(), ref.weights) < 1e-6);
        }
    }
}

TEST("GPU sampling picks the CPU twin's token from the same draw (greedy, temperature, nucleus, ties)") {
    auto rng = fresh_rng();
    cuda::DeviceSampler sampler(129280);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    int64_t cases = 0, same = 0;
    for (int64_t n : {7, 1000, 129280}) {
        for (int round = 0; round < 2; ++round) {
            auto logits = random_vector(static_cast<size_t>(n), rng, 3.0f);
            if (round == 1)  // coarse values: many exact ties, which the nucleus orders by lower index
                for (auto& l : logits) l = std::round(l);
            auto dl = cuda::DeviceBuffer::from(std::span<const float>(logits));
            for (float temperature : {0.0f, 0.6f, 1.0f}) {
                for (float top_p : {1.0f, 0.95f, 0.5f, 0.05f}) {
                    const cpu::Sampler twin(temperature, top_p, 1);
                    for (int draw = 0; draw < 4; ++draw) {
                        const double u = uniform(rng);
                        const int32_t want = twin.pick(logits, u);
                        const int32_t got = sampler.pick(dl.as<float>(), n, temperature, top_p, u, nullptr);
                        ++cases;
                        if (got == want) ++same;
                        else std::fprintf(stderr, "  sampling n %lld T %.2f top_p %.2f u %.6f: GPU %d, CPU %d\n", (long long)n, temperature, top_p, u, got, want);
                    }
                }
            }
        }
    }
    std::printf("  sampling: %lld of %lld draws picked the CPU twin's token\n", (long long)same, (long long)cases);
    CHECK_EQ(same, cases);
    CHECK_THROWS_WITH(sampler.pick(nullptr, 129281, 1.0f, 1.0f, 0.5, nullptr), "vocabulary");
}

TEST("GPU RMSNorm matches the CPU twin") {
    auto rng = fresh_rng();
    const int64_t rows = 33, n = 700;
    auto x = random_vector(static_cast<size_t>(rows * n), rng, 3.0f);
    auto w = random_vector(static_cast<size_t>(n), rng);
    auto ref = x;
    cpu::rms_norm_rows(ref.data(), w.data(), rows, n, 1e-6f);
    auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
    auto dw = cuda::DeviceBuffer::from(std::span<const float>(w));
    cuda::rms_norm_rows(dx.as<float>(), dw.as<float>(), rows, n, 1e-6f);
    CHECK(rel_error(dx.to_host<float>(), ref) < 1e-6);
}

TEST("GPU FP8 round trips equal the CPU ones exactly (blocks of 128 and of 64 on a prefix)") {
    auto rng = fresh_rng();
    const int64_t rows = 17, n = 448;
    auto x = random_vector(static_cast<size_t>(rows * n), rng, 5.0f);
    auto ref = x;
    for (int64_t r = 0; r < rows; ++r) cpu::fp8_round_trip(ref.data() + r * n, n, 128);
    auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
    cuda::fp8_round_rows(dx.as<float>(), rows, n, n, 128);
    CHECK(dx.to_host<float>() == ref);

    ref = x;
    for (int64_t r = 0; r < rows; ++r) cpu::fp8_round_trip(ref.data() + r * n, n - 64, 64);
    dx = cuda::DeviceBuffer::from(std::span<const float>(x));
    cuda::fp8_round_rows(dx.as<float>(), rows, n, n - 64, 64);
    CHECK(dx.to_host<float>() == ref);

    // The copying form leaves its source alone.
    ref = x;
    for (int64_t r = 0; r < rows; ++r) cpu::fp8_round_trip(ref.data() + r * n, n, 128);
    auto src = cuda::DeviceBuffer::from(std::span<const float>(x));
    cuda::DeviceBuffer dst(src.bytes());
    cuda::fp8_round_copy_rows(dst.as<float>(), src.as<float>(), rows, n, 128);
    CHECK(dst.to_host<float>() == ref);
    CHECK(src.to_host<float>() == x);
}

TEST("GPU Hadamard + FP4 equals the CPU twin exactly") {
    auto rng = fresh_rng();
    for (int64_t n : {128, 512}) {
        const int64_t rows = 9;
        auto x = random_vector(static_cast<size_t>(rows * n), rng);
        auto ref = x;
        for (int64_t r = 0; r < rows; ++r) {
            cpu::hadamard_rotate(ref.data() + r * n, n);
            cpu::fp4_round_trip(ref.data() + r * n, n);
        }
        auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
        cuda::hadamard_fp4_rows(dx.as<float>(), rows, n);
        CHECK(dx.to_host<float>() == ref);
    }
}

TEST("GPU RoPE (YaRN frequencies) and its inverse match the CPU twin") {
    auto rng = fresh_rng();
    cpu::Rope rope(64, 160000.0, true, 16, 65536, 32, 1);
    const int64_t rows = 11, heads = 3, D = 192;
    auto x = random_vector(static_cast<size_t>(rows * heads * D), rng);
    std::vector<int64_t> pos(rows);
    for (int64_t t = 0; t < rows; ++t) pos[t] = 1000 * t + 7;
    auto ref = x;
    for (int64_t t = 0; t < rows; ++t)
        for (int64_t h = 0; h < heads; ++h) rope.apply(ref.data() + (t * heads + h) * D + D - 64, pos[t]);
    auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
    auto df = cuda::DeviceBuffer::from(std::span<const float>(rope.frequencies()));
    auto dp = cuda::DeviceBuffer::from(std::span<const int64_t>(pos));
    cuda::rope_rows(dx.as<float>(), rows, heads, D, D - 64, 64, df.as<float>(), dp.as<int64_t>(), false);
    CHECK(rel_error(dx.to_host<float>(), ref) < 1e-6);
    cuda::rope_rows(dx.as<float>(), rows, heads, D, D - 64, 64, df.as<float>(), dp.as<int64_t>(), true);
    CHECK(rel_error(dx.to_host<float>(), x) < 1e-6);
}

TEST("GPU one-token compressor step (position read on the device) matches the CPU compressor, token by token") {
    auto rng = fresh_rng();
    cpu::Rope rope(64, 160000.0, true, 16, 65536, 32, 1);
    struct Case {
        int64_t ratio, width;
        bool indexer;
    };
    for (const Case k : {Case{4, 192, false}, Case{4, 128, true}, Case{128, 256, false}}) {
        const int64_t m = k.ratio, c = k.width, pw = m == 4 ? 2 * c : c, tokens = 2 * m + 3 + (m == 4 ? 6 : 0);
        auto ape = random_vector(static_cast<size_t>(m * pw), rng, 0.5f);
        auto norm = random_vector(static_cast<size_t>(c), rng, 0.3f);
        for (auto& v : norm) v += 1.0f;
        cpu::CompressorParams p;
        p.ratio = m;
        p.width = c;
        p.ape = ape.data();
        p.norm = norm.data();
        p.rope = &rope;
        p.rounding = k.indexer ? cpu::CompressedRounding::HadamardFp4 : cpu::CompressedRounding::Fp8Kv;
        cpu::CompressorState state;
        state.reset(p);

        auto dape = cuda::DeviceBuffer::from(std::span<const float>(ape));
        auto dnorm = cuda::DeviceBuffer::from(std::span<const float>(norm));
        auto dfreqs = cuda::DeviceBuffer::from(std::span<const float>(rope.frequencies()));
        std::vector<float> zeros(static_cast<size_t>(m * pw), 0.0f);
        auto block_a = cuda::DeviceBuffer::from(std::span<const float>(zeros)), block_z = cuda::DeviceBuffer::from(std::span<const float>(zeros));
        auto prev_a = cuda::DeviceBuffer::from(std::span<const float>(zeros)), prev_z = cuda::DeviceBuffer::from(std::span<const float>(zeros));
        const int64_t capacity = tokens / m + 1;
        cuda::DeviceBuffer rows(static_cast<size_t>(capacity * c) * 4);
        for (int64_t pos = 0; pos < tokens; ++pos) {
            auto a = random_vector(static_cast<size_t>(pw), rng), z = random_vector(static_cast<size_t>(pw), rng);
            cpu::compressor_push(p, state, a.data(), z.data(), pos);
            auto da = cuda::DeviceBuffer::from(std::span<const float>(a)), dz = cuda::DeviceBuffer::from(std::span<const float>(z));
            const std::vector<int64_t> where{pos};
            auto dpos = cuda::DeviceBuffer::from(std::span<const int64_t>(where));
            cuda::CompressorStep step;
            step.a = da.as<float>();
            step.z = dz.as<float>();
            step.ape = dape.as<float>();
            step.block_a = block_a.as<float>();
            step.block_z = block_z.as<float>();
            step.prev_a = prev_a.as<float>();
            step.prev_z = prev_z.as<float>();
            step.rows = rows.as<float>();
            step.norm = dnorm.as<float>();
            step.freqs = dfreqs.as<float>();
            step.position = dpos.as<int64_t>();
            step.ratio = m;
            step.width = c;
            step.rope_dims = rope.dims();
            step.eps = p.norm_eps;
            step.indexer = k.indexer;
            cuda::compressor_step(step);
        }
        CHECK_EQ(state.count, tokens / m);
        auto got = rows.to_host<float>();
        got.resize(static_cast<size_t>(state.count * c));
        // Rounded values: a last-bit difference before the rounding (expf, the norm's sum) can move a value to the
        // neighbouring FP8/FP4 step, so a few elements may differ by one step; the rest agree to fp32 precision.
        int64_t off = 0;
        for (size_t i = 0; i < got.size(); ++i)
            if (std::fabs(got[i] - state.rows[i]) > 1e-5f * std::fabs(state.rows[i]) + 1e-7f) ++off;
        std::printf("  ratio %lld, width %lld%s: %lld rows, %lld of %zu values off, relative error %.2e\n", static_cast<long long>(m),
                    static_cast<long long>(c), k.indexer ? " (indexer)" : "", static_cast<long long>(state.count),
                    static_cast<long long>(off), got.size(), rel_error(got, state.rows));
        CHECK(off * 100 <= static_cast<int64_t>(got.size()));
        CHECK(rel_error(got, state.rows) < 2e-2);
    }
}

TEST("an impossible allocation is a clear error, and the GPU stays usable") {
    CHECK_THROWS_WITH(cuda::DeviceBuffer(size_t{1} << 50), "cannot allocate");
    cuda::DeviceBuffer ok(1024);
    CHECK(ok.as<float>() != nullptr);
}

int main(int argc, char** argv) {
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        std::printf("engine_cuda_kernels: no CUDA GPU on this machine: skipped\n");
        return 77;
    }
    cudaDeviceProp prop{};
    cudaGetDeviceProperties(&prop, 0);
    std::printf("GPU: %s (sm_%d%d)\n", prop.name, prop.major, prop.minor);
    return unit::run_all(argc, argv);
}
