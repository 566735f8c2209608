#include "golden_files.hpp"

#include "fathom/error.hpp"

#include <algorithm>
#include <cstring>

namespace fathom::cli {

TensorFolder::TensorFolder(const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    std::vector<fs::path> paths;
    if (fs::is_regular_file(path)) {
        paths.push_back(path);
    } else if (fs::is_directory(path)) {
        for (const auto& e : fs::directory_iterator(path)) {
            const auto name = e.path().filename().string();
            if (e.path().extension() == ".safetensors" && name.rfind("model", 0) != 0) paths.push_back(e.path());
        }
    } else {
        throw Error(path.string() + " is neither a folder nor a file");
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) files_.push_back(std::make_unique<SafetensorsFile>(p));
}

bool TensorFolder::has(const std::string& name) const {
    for (const auto& f : files_)
        if (f->has(name)) return true;
    return false;
}

const SafetensorsFile& TensorFolder::file_of(const std::string& name) const {
    for (const auto& f : files_)
        if (f->has(name)) return *f;
    throw Error("no tensor '" + name + "' in any safetensors file of the folder");
}

const TensorInfo& TensorFolder::info(const std::string& name) const { return file_of(name).info(name); }

std::vector<float> TensorFolder::f32(const std::string& name) const {
    const auto& f = file_of(name);
    const auto& i = f.info(name);
    if (i.dtype != DType::F32) throw Error(f.path().string() + ": tensor '" + name + "' is not F32");
    std::vector<float> v(static_cast<size_t>(i.numel()));
    std::memcpy(v.data(), f.bytes(i).data(), v.size() * 4);
    return v;
}

std::vector<int64_t> TensorFolder::ints(const std::string& name) const {
    const auto& f = file_of(name);
    const auto& i = f.info(name);
    std::vector<int64_t> v(static_cast<size_t>(i.numel()));
    const auto bytes = f.bytes(i);
    for (size_t k = 0; k < v.size(); ++k) {
        if (i.dtype == DType::I64) {
            std::memcpy(&v[k], bytes.data() + 8 * k, 8);
        } else if (i.dtype == DType::I32) {
            int32_t x;
            std::memcpy(&x, bytes.data() + 4 * k, 4);
            v[k] = x;
        } else {
            throw Error(f.path().string() + ": tensor '" + name + "' is not an integer tensor");
        }
    }
    return v;
}

}  // namespace fathom::cli
