# Helpers for protoc code generation. One -I root (proto/) for every run, so
# the registered file name is the path below it (dyad/events/v1/...).
set(DYAD_PROTO_ROOT ${CMAKE_SOURCE_DIR}/proto)
set(DYAD_PROTO_GEN_DIR ${CMAKE_BINARY_DIR}/gen)
get_target_property(DYAD_GRPC_CPP_PLUGIN gRPC::grpc_cpp_plugin LOCATION)
