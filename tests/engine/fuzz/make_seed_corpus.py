#!/usr/bin/env python3
# Regenerates the fuzzer's seed corpus (corpus/): small valid files cut from the v4-tiny-a fixture's real
# headers (a few tensors each, offsets rebased, their real bytes) and one malformed file per check.
import json, os, struct, sys

here = os.path.dirname(os.path.abspath(__file__))
shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../../../shared")
fixture = os.path.join(shared, "fixtures/v4-tiny-a")
out = os.path.join(here, "corpus")
os.makedirs(out, exist_ok=True)


def pack(header_text, data=b""):
    raw = header_text.encode() if isinstance(header_text, str) else header_text
    return struct.pack("<Q", len(raw)) + raw + data


def save(name, blob):
    with open(os.path.join(out, name), "wb") as f:
        f.write(blob)


def read_shard(name):
    blob = open(os.path.join(fixture, name), "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    return blob, n, json.loads(blob[8:8 + n])


def cut(blob, n, header, pick):
    # Keeps the picked tensors in their file order, packed back to back.
    out_header, data = {"__metadata__": header.get("__metadata__", {})}, b""
    for key in pick:
        e = header[key]
        b, en = e["data_offsets"]
        chunk = blob[8 + n + b:8 + n + en]
        out_header[key] = {"dtype": e["dtype"], "shape": e["shape"], "data_offsets": [len(data), len(data) + len(chunk)]}
        data += chunk
    return json.dumps(out_header, separators=(",", ":")), data


for shard, tag in (("model-00001-of-00002.safetensors", "a"), ("model-00002-of-00002.safetensors", "b")):
    blob, n, header = read_shard(shard)
    tensors = [k for k in header if k != "__metadata__"]
    by_dtype = {}
    for k in sorted(tensors, key=lambda k: header[k]["data_offsets"][1] - header[k]["data_offsets"][0]):
        by_dtype.setdefault(header[k]["dtype"], []).append(k)
    pick = [ks[0] for ks in by_dtype.values() if header[ks[0]]["data_offsets"][1] - header[ks[0]]["data_offsets"][0] <= 2048]
    pick += [k for k in tensors if header[k]["data_offsets"][1] - header[k]["data_offsets"][0] <= 16][:4]
    pick = sorted(set(pick), key=lambda k: header[k]["data_offsets"][0])
    text, data = cut(blob, n, header, pick)
    save(f"valid_fixture_{tag}", pack(text, data))
    save(f"truncated_data_fixture_{tag}", pack(text, data)[:-3])
    save(f"truncated_header_fixture_{tag}", blob[:1024])  # the real header, cut mid-JSON

f32 = lambda name, begin, count: f'"{name}":{{"dtype":"F32","shape":[{count}],"data_offsets":[{begin},{begin + 4 * count}]}}'
save("valid_two_tensors", pack("{" + f32("a", 0, 2) + "," + f32("b", 8, 1) + "}", bytes(12)))
save("valid_empty_tensor", pack('{"e":{"dtype":"BF16","shape":[0,4],"data_offsets":[0,0]},' + f32("x", 0, 1) + "}", bytes(4)))
save("dup_tensor", pack("{" + f32("a", 0, 1) + "," + f32("a", 4, 1) + "}", bytes(8)))
save("dup_key", pack('{"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}', bytes(4)))
save("overlap", pack("{" + f32("a", 0, 2) + "," + f32("b", 4, 2) + "}", bytes(12)))
save("unknown_dtype", pack('{"a":{"dtype":"F7","shape":[1],"data_offsets":[0,1]}}', bytes(1)))
save("size_mismatch", pack('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', bytes(8)))
save("negative_dim", pack('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', bytes(4)))
save("absurd_shape", pack('{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}', bytes(4)))
save("entry_not_object", pack('{"a":[1,2]}'))
save("deep_nesting", pack('{"a":{"dtype":"F32","shape":[[[1]]],"data_offsets":[0,4]}}', bytes(4)))
save("offsets_past_end", pack('{"a":{"dtype":"U8","shape":[64],"data_offsets":[0,64]}}', bytes(16)))
save("not_json", pack("{not json", b""))
save("header_length_huge", struct.pack("<Q", 1 << 40) + b"{}")
save("short", b"\x02\x00\x00")
