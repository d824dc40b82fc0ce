# Multi-replica behaviour simulated on loopback: two replicas of each backend
# on 127.0.0.2 and 127.0.0.3, the gateway balancing over both (e2e).
dyad_test(dyad_multi_replica_test SOURCES e2e/multi_replica_test.cc LIBS dyad_common LABELS e2e)
add_dependencies(dyad_multi_replica_test dyad-gateway dyad-events dyad-economics dyad-institutions)
