"""grpc.health.v1 messages, built from a descriptor in a private pool.

python3-grpcio on Debian ships no grpc_health package, and generating
grpc/health/v1/health_pb2.py next to our stubs would shadow the `grpc`
package itself. The two messages are small, so they are described here and
kept in their own DescriptorPool (no clash with grpcio-health-checking if an
application also imports it).
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


HealthCheckRequest, HealthCheckResponse = _build()

CHECK_METHOD = "/grpc.health.v1.Health/Check"


def status_name(response) -> str:
    """"SERVING", "NOT_SERVING", "SERVICE_UNKNOWN" or "UNKNOWN"."""
    return response.DESCRIPTOR.fields_by_name["status"].enum_type.values_by_number[
        response.status
    ].name
