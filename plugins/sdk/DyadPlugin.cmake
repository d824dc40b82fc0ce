# dyad_add_plugin(NAME <name> VERSION <semver> DESCRIPTION <text>
#                 SERVICES <events|economics|institutions>...
#                 [DATA <file.textproto>...] [SOURCES <file.cc>...]
#                 [OUTPUT_DIR <dir>] [DEFINITIONS <def>...]
#                 [TARGET <target name>] [FIXTURE])
#
# FIXTURE marks test plugins: they are not part of `dyad_plugins` (the set a
# service is deployed with).
#
# Builds plugins/<name>.so: a MODULE library with hidden visibility that
# exports only dyad_plugin_entry(). Each DATA file is a textproto of
# dyad.plugin.v1.DataBundle, compiled with `protoc --encode` at build time
# (a malformed file fails the build, naming file and line) and embedded; the
# files are merged in the order given. SOURCES hold the plugin's hooks
# (they define DyadPluginHooks(), see plugin_sdk.h).
set(DYAD_PLUGIN_SDK_DIR ${CMAKE_CURRENT_LIST_DIR} CACHE INTERNAL "")

function(dyad_add_plugin)
  cmake_parse_arguments(P "FIXTURE" "NAME;VERSION;DESCRIPTION;OUTPUT_DIR;TARGET"
                        "SERVICES;DATA;SOURCES;DEFINITIONS" ${ARGN})
  if(NOT P_NAME OR NOT P_VERSION OR NOT P_SERVICES)
    message(FATAL_ERROR "dyad_add_plugin: NAME, VERSION and SERVICES are required")
  endif()
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR ${DYAD_PLUGIN_OUTPUT_DIR})
  endif()
  set(target dyad_plugin_${P_NAME})
  if(P_TARGET)
    set(target ${P_TARGET})
  endif()
  set(work ${CMAKE_CURRENT_BINARY_DIR}/${target}_gen)
  set(encoded)
  foreach(f ${P_DATA})
    get_filename_component(abs ${f} ABSOLUTE)
    get_filename_component(stem ${f} NAME_WE)
    set(out ${work}/${stem}.binpb)
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -DPROTOC=$<TARGET_FILE:protobuf::protoc>
              -DPROTO_ROOT=${DYAD_PROTO_ROOT} -DINPUT=${abs} -DOUTPUT=${out}
              -P ${DYAD_PLUGIN_SDK_DIR}/EncodeTextproto.cmake
      DEPENDS ${abs} ${DYAD_PLUGIN_SDK_DIR}/EncodeTextproto.cmake
              ${DYAD_PROTO_ROOT}/dyad/plugin/v1/plugin.proto
      COMMENT "Encoding ${P_NAME} data ${stem}"
      VERBATIM)
    list(APPEND encoded ${out})
  endforeach()
  string(REPLACE ";" "," services "${P_SERVICES}")
  set(info_cc ${work}/plugin_info.cc)
  add_custom_command(
    OUTPUT ${info_cc}
    COMMAND ${CMAKE_COMMAND} "-DINPUTS=${encoded}" -DOUTPUT=${info_cc}
            -DNAME=${P_NAME} -DVERSION=${P_VERSION} "-DDESCRIPTION=${P_DESCRIPTION}"
            -DSERVICES=${services} -P ${DYAD_PLUGIN_SDK_DIR}/EmbedBundle.cmake
    DEPENDS ${encoded} ${DYAD_PLUGIN_SDK_DIR}/EmbedBundle.cmake
    COMMENT "Embedding ${P_NAME} data bundle"
    VERBATIM)

  add_library(${target} MODULE ${info_cc} ${DYAD_PLUGIN_SDK_DIR}/plugin_entry.cc ${P_SOURCES})
  target_include_directories(${target} PRIVATE ${DYAD_PLUGIN_SDK_DIR})
  target_link_libraries(${target} PRIVATE dyad_proto absl::statusor absl::strings)
  if(P_SOURCES)
    target_compile_definitions(${target} PRIVATE DYAD_PLUGIN_HAS_HOOKS=1)
  endif()
  if(P_DEFINITIONS)
    target_compile_definitions(${target} PRIVATE ${P_DEFINITIONS})
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX "" OUTPUT_NAME ${P_NAME}
    LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR}
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
    BUILD_RPATH "${CMAKE_BINARY_DIR}/lib"
    INSTALL_RPATH "$ORIGIN/../lib")
  # Refuse undefined symbols at link time rather than at dlopen.
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  if(NOT P_FIXTURE)
    set_property(GLOBAL APPEND PROPERTY DYAD_PLUGINS ${target})
  endif()
endfunction()
