# fathom-cli inspect on the v4-tiny-a fixture: text and --json, checked for the hand-computed figures
# (routed experts 5849088 bytes, 323 bytes of compressed cache per token).
set(FATHOM_TINY_A ${FATHOM_SHARED_DIR}/fixtures/v4-tiny-a)
add_test(NAME engine_model_cli_inspect COMMAND fathom-cli inspect ${FATHOM_TINY_A})
set_tests_properties(engine_model_cli_inspect PROPERTIES LABELS engine TIMEOUT 60
  PASS_REGULAR_EXPRESSION "routed experts \\(\\.ffn\\.experts\\.\\): +5849088.*323\\.0 bytes per token.*GPU .*host 5\\.58 MiB")
add_test(NAME engine_model_cli_inspect_json COMMAND fathom-cli inspect ${FATHOM_TINY_A} --json)
set_tests_properties(engine_model_cli_inspect_json PROPERTIES LABELS engine TIMEOUT 60
  PASS_REGULAR_EXPRESSION "\"bytes_routed_experts\": 5849088,.*\"cache_bytes_per_token\": 323\\.0")
add_test(NAME engine_model_cli_inspect_bad_dir COMMAND fathom-cli inspect ${CMAKE_CURRENT_LIST_DIR}/no-such-model)
set_tests_properties(engine_model_cli_inspect_bad_dir PROPERTIES LABELS engine TIMEOUT 60
  PASS_REGULAR_EXPRESSION "fathom-cli inspect: checkpoint [^\n]*no-such-model: not a folder")
