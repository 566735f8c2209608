# The tokenizer against the reference (transformers.js via @lenml/tokenizers, run with node) on the corpus
# of tests/reference/tokenizers plus seeded random strings. Missing node or package fails, with the reason.
set(FATHOM_REFERENCE_TOKENIZERS ${CMAKE_SOURCE_DIR}/tests/reference/tokenizers)
set(FATHOM_TOKENIZER_V4 ${FATHOM_SHARED_DIR}/fixtures/tokenizer-v4/tokenizer.json)
add_test(NAME engine_tokenizer_matches_reference
  COMMAND sh -c "command -v node >/dev/null 2>&1 || { echo 'FAIL: node is not installed; the tokenizer reference test needs node 20 and npm ci in tests/reference/tokenizers'; exit 1; }; node ${FATHOM_REFERENCE_TOKENIZERS}/compare.mjs --cli $<TARGET_FILE:fathom-cli> --tokenizer ${FATHOM_TOKENIZER_V4} --random 3000 --texts-dir ${FATHOM_SHARED_DIR}/fixtures/chat-encoding")
set_tests_properties(engine_tokenizer_matches_reference PROPERTIES LABELS "engine;reference" TIMEOUT 120)

# fathom-cli prompt prints exactly each chat-encoding case's prompt text (no byte more or less).
file(GLOB FATHOM_CHAT_CASES ${FATHOM_SHARED_DIR}/fixtures/chat-encoding/*.json)
foreach(case_json ${FATHOM_CHAT_CASES})
  get_filename_component(case_name ${case_json} NAME_WE)
  string(REGEX REPLACE "\\.json$" ".txt" case_txt ${case_json})
  add_test(NAME engine_tokenizer_cli_prompt_${case_name}
    COMMAND sh -c "$<TARGET_FILE:fathom-cli> prompt --case '${case_json}' | cmp - '${case_txt}'")
  set_tests_properties(engine_tokenizer_cli_prompt_${case_name} PROPERTIES LABELS "engine" TIMEOUT 60)
endforeach()
