# fathom-synth's library part (everything but its main.cpp) is compiled into the synth tests, which call it
# directly; the CLI itself is exercised by a round trip through the fathom-synth binary.
file(GLOB FATHOM_SYNTH_LIB_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/engine/tools/synth/*.cpp)
list(FILTER FATHOM_SYNTH_LIB_SOURCES EXCLUDE REGEX "/main\\.cpp$")
foreach(t engine_tools_synth engine_tools_synth_formats)
  if(TARGET ${t})
    target_sources(${t} PRIVATE ${FATHOM_SYNTH_LIB_SOURCES})
  endif()
endforeach()

# The CLI: a tiny checkpoint written twice with the same seed on 1 and 3 threads must be byte-identical, and a
# bad preset must fail with a message (not a crash).
set(synth_dir ${CMAKE_BINARY_DIR}/synth-cli-test)
add_test(NAME engine_tools_synth_cli
  COMMAND sh -c "rm -rf '${synth_dir}' && $<TARGET_FILE:fathom-synth> --preset tiny --layers 2 --seed 7 --threads 1 --out '${synth_dir}/a' && $<TARGET_FILE:fathom-synth> --preset tiny --layers 2 --seed 7 --threads 3 --out '${synth_dir}/b' && for f in '${synth_dir}'/a/*; do cmp \"$f\" '${synth_dir}'/b/$(basename \"$f\") || exit 1; done && ! $<TARGET_FILE:fathom-synth> --preset huge --out '${synth_dir}/c' 2>'${synth_dir}/err' && grep -q \"unknown preset 'huge'\" '${synth_dir}/err' && ! $<TARGET_FILE:fathom-synth> --preset tiny --out '${synth_dir}/a' 2>'${synth_dir}/err2' && grep -q 'not an empty folder' '${synth_dir}/err2' && rm -rf '${synth_dir}'")
set_tests_properties(engine_tools_synth_cli PROPERTIES LABELS "engine" TIMEOUT 120)
