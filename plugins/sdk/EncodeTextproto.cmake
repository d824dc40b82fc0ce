# cmake -DPROTOC=... -DPROTO_ROOT=... -DINPUT=x.textproto -DOUTPUT=x.binpb -P EncodeTextproto.cmake
execute_process(
  COMMAND ${PROTOC} -I ${PROTO_ROOT} --encode=dyad.plugin.v1.DataBundle dyad/plugin/v1/plugin.proto
  WORKING_DIRECTORY ${PROTO_ROOT}
  INPUT_FILE ${INPUT}
  OUTPUT_FILE ${OUTPUT}.tmp
  ERROR_VARIABLE err
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUTPUT}.tmp)
  message(FATAL_ERROR "${INPUT}: not a valid dyad.plugin.v1.DataBundle textproto:\n${err}")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
