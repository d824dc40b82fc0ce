"""grpc.health.v1 messages: the standard ones where installed, else our own.

With ``grpcio-health-checking`` installed (the ``health`` extra), the
messages are ``grpc_health.v1.health_pb2``'s, so responses are the very
classes other gRPC code uses. Debian ships no such package, and generating
grpc/health/v1/health_pb2.py next to our stubs would shadow the ``grpc``
package itself; then the two small messages are described here and kept in
their own DescriptorPool (no clash if grpc_health is imported later).
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto


def _build():
    fdp = descriptor_pb2.FileDescriptorProto(
        name="grpc/health/v1/health.proto", package="grpc.health.v1", syntax="proto3"
    )
    req = fdp.message_type.add(name="HealthCheckRequest")
    req.field.add(name="service", json_name="service", number=1,
                  type=_F.TYPE_STRING, label=_F.LABEL_OPTIONAL)
    resp = fdp.message_type.add(name="HealthCheckResponse")
    status = resp.enum_type.add(name="ServingStatus")
    for number, name in enumerate(["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"]):
        status.value.add(name=name, number=number)
    resp.field.add(name="status", json_name="status", number=1, type=_F.TYPE_ENUM,
                   label=_F.LABEL_OPTIONAL,
                   type_name=".grpc.health.v1.HealthCheckResponse.ServingStatus")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    req_desc = pool.FindMessageTypeByName("grpc.health.v1.HealthCheckRequest")
    resp_desc = pool.FindMessageTypeByName("grpc.health.v1.HealthCheckResponse")
    if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.22
        return message_factory.GetMessageClass(req_desc), message_factory.GetMessageClass(resp_desc)
    factory = message_factory.MessageFactory(pool)
    return factory.GetPrototype(req_desc), factory.GetPrototype(resp_desc)


def _standard():
    try:
        from grpc_health.v1 import health_pb2  # type: ignore[import]
    except ImportError:
        return None
    return health_pb2.HealthCheckRequest, health_pb2.HealthCheckResponse


#: "grpc_health" when grpcio-health-checking's messages are used, else "builtin".
_std = _standard()
SOURCE = "grpc_health" if _std else "builtin"
HealthCheckRequest, HealthCheckResponse = _std or _build()

CHECK_METHOD = "/grpc.health.v1.Health/Check"


def status_name(response) -> str:
    """"SERVING", "NOT_SERVING", "SERVICE_UNKNOWN" or "UNKNOWN"."""
    return response.DESCRIPTOR.fields_by_name["status"].enum_type.values_by_number[
        response.status
    ].name
