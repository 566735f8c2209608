# GPU suites (label "gpu"): each CUDA kernel against its CPU twin on fresh random inputs. Built when the CUDA
# backend is; on a machine without a GPU they report "skipped" (exit 77), never a silent pass.
if(TARGET fathom_cuda)
  add_executable(engine_cuda_kernels ${CMAKE_CURRENT_LIST_DIR}/gpu_kernels.cu)
  set_target_properties(engine_cuda_kernels PROPERTIES CUDA_STANDARD 20 CUDA_STANDARD_REQUIRED ON)
  target_link_libraries(engine_cuda_kernels PRIVATE fathom_unit fathom_cuda fathom_engine_internal)
  add_test(NAME engine_cuda_kernels COMMAND engine_cuda_kernels)
  set_tests_properties(engine_cuda_kernels PROPERTIES LABELS "gpu" SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()

# The whole forward pass on the GPU against DeepSeek's reference, with the same per-block bounds as the CPU.
if(TARGET fathom_cuda)
  set(FATHOM_TINY_A ${FATHOM_SHARED_DIR}/fixtures/v4-tiny-a)
  add_test(NAME engine_cuda_golden_v4_tiny_a
    COMMAND sh -c "nvidia-smi -L >/dev/null 2>&1 || { echo 'no GPU: skipped'; exit 77; }; $<TARGET_FILE:fathom-cli> eval --device cuda --model ${FATHOM_TINY_A} --golden ${FATHOM_TINY_A} --out ${CMAKE_BINARY_DIR}/golden-eval-cuda.safetensors && $<TARGET_FILE:fathom-cli> check --golden ${FATHOM_TINY_A} --out ${CMAKE_BINARY_DIR}/golden-eval-cuda.safetensors --blocks-only")
  set_tests_properties(engine_cuda_golden_v4_tiny_a PROPERTIES LABELS "gpu;golden" SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()

# Snapshot on the GPU, store, drop, restore, continue: bit-identical to the GPU run without the round trip.
if(TARGET fathom_cuda)
  foreach(n 130 512 530)
    set(out ${CMAKE_BINARY_DIR}/cuda-restore-${n})
    add_test(NAME engine_cuda_restore_at_${n}
      COMMAND sh -c "nvidia-smi -L >/dev/null 2>&1 || { echo 'no GPU: skipped'; exit 77; }; rm -f ${out}.db && $<TARGET_FILE:fathom-cli> eval --device cuda --model ${FATHOM_TINY_A} --golden ${FATHOM_TINY_A} --split-at ${n} --out ${out}-split.safetensors && $<TARGET_FILE:fathom-cli> eval --device cuda --model ${FATHOM_TINY_A} --golden ${FATHOM_TINY_A} --restore-at ${n} --cache-db ${out}.db --out ${out}.safetensors && $<TARGET_FILE:fathom-cli> check --out ${out}.safetensors --same-as ${out}-split.safetensors")
    set_tests_properties(engine_cuda_restore_at_${n} PROPERTIES LABELS "gpu;golden" SKIP_RETURN_CODE 77 TIMEOUT 300)
  endforeach()
endif()

# Expert offload on v4-tiny-a: N routed experts per layer on the GPU, the misses on the CPU or streamed, in pinned
# or mapped host RAM; every per-block bound must hold (CPU- and GPU-computed experts are mixed in one step).
if(TARGET fathom_cuda)
  foreach(variant "0;cpu;pinned" "0;stream;mapped" "1;cpu;pinned" "1;auto;mapped" "1;stream;pinned" "3;auto;pinned")
    list(GET variant 0 n)
    list(GET variant 1 miss)
    list(GET variant 2 host)
    set(out ${CMAKE_BINARY_DIR}/golden-eval-offload-${n}-${miss}-${host}.safetensors)
    add_test(NAME engine_cuda_offload_${n}_${miss}_${host}
      COMMAND sh -c "nvidia-smi -L >/dev/null 2>&1 || { echo 'no GPU: skipped'; exit 77; }; $<TARGET_FILE:fathom-cli> eval --device cuda --gpu-experts ${n} --expert-miss ${miss} --host-experts ${host} --model ${FATHOM_TINY_A} --golden ${FATHOM_TINY_A} --out ${out} && $<TARGET_FILE:fathom-cli> check --golden ${FATHOM_TINY_A} --out ${out} --blocks-only")
    set_tests_properties(engine_cuda_offload_${n}_${miss}_${host} PROPERTIES LABELS "gpu" SKIP_RETURN_CODE 77 TIMEOUT 300)
  endforeach()
endif()

# The public Engine on the GPU with most routed experts in host RAM (plain C++: the engine's API only).
if(TARGET fathom_cuda)
  add_executable(engine_cuda_gpu_engine ${CMAKE_CURRENT_LIST_DIR}/gpu_engine.cpp)
  target_link_libraries(engine_cuda_gpu_engine PRIVATE fathom_unit fathom_engine)
  add_test(NAME engine_cuda_gpu_engine COMMAND engine_cuda_gpu_engine)
  set_tests_properties(engine_cuda_gpu_engine PROPERTIES LABELS "gpu" SKIP_RETURN_CODE 77 TIMEOUT 300
    ENVIRONMENT "FATHOM_TINY_A=${FATHOM_TINY_A}")
endif()

# One-token steps replayed as CUDA graphs against eager steps: logits and caches bit for bit.
if(TARGET fathom_cuda)
  add_executable(engine_cuda_decode_graph ${CMAKE_CURRENT_LIST_DIR}/decode_graph.cpp)
  target_link_libraries(engine_cuda_decode_graph PRIVATE fathom_unit fathom_cuda fathom_engine_internal)
  add_test(NAME engine_cuda_decode_graph COMMAND engine_cuda_decode_graph)
  set_tests_properties(engine_cuda_decode_graph PROPERTIES LABELS "gpu" SKIP_RETURN_CODE 77 TIMEOUT 300
    ENVIRONMENT "FATHOM_TINY_A=${FATHOM_TINY_A}")
endif()
