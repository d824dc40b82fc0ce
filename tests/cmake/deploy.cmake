# Deployment files (deploy/): the Kustomize overlays render offline (no
# cluster, no network), and deploy/check.py checks each rendered overlay
# against the real binaries of this build (their --help flags, a start with
# the rendered configuration, a grpc.health.v1 Check of each probe's service)
# and against deploy/docker/Dockerfile; the web front's Deployment against
# web/dist/server.js (built by the web_build test). A third test breaks the manifests and
# the Dockerfile on purpose, one promise at a time, and expects every break to
# be caught. Skipped (77) when neither kubectl nor kustomize is installed.
#
#   ctest -L deploy --output-on-failure
#
# The rendered manifests are left in build/deploy/rendered-<overlay>.yaml.
set(DYAD_DEPLOY_PYTHON /usr/bin/python3 CACHE FILEPATH
    "Python with PyYAML and grpcio for deploy/check.py (Debian: python3-yaml, python3-grpcio)")
set(dyad_deploy_check ${CMAKE_SOURCE_DIR}/deploy/check.py)

foreach(overlay dev prod)
  add_test(NAME deploy_render_${overlay}
    COMMAND ${DYAD_DEPLOY_PYTHON} ${dyad_deploy_check} --render-only
            --source-dir ${CMAKE_SOURCE_DIR} ${overlay})
  add_test(NAME deploy_check_${overlay}
    COMMAND ${DYAD_DEPLOY_PYTHON} ${dyad_deploy_check} --source-dir ${CMAKE_SOURCE_DIR}
            --build-dir ${CMAKE_BINARY_DIR} ${overlay})
endforeach()
add_test(NAME deploy_check_catches_breaks
  COMMAND ${DYAD_DEPLOY_PYTHON} ${dyad_deploy_check} --source-dir ${CMAKE_SOURCE_DIR}
          --build-dir ${CMAKE_BINARY_DIR} --self-test dev prod)

set_tests_properties(
  deploy_render_dev deploy_render_prod
  PROPERTIES LABELS deploy SKIP_RETURN_CODE 77 TIMEOUT 120)
set_tests_properties(
  deploy_check_dev deploy_check_prod deploy_check_catches_breaks
  PROPERTIES LABELS deploy SKIP_RETURN_CODE 77 TIMEOUT 300
  # The web front's Deployment is checked against web/dist/server.js (its
  # --help, a start with the rendered configuration): tests/cmake/web.cmake.
  FIXTURES_REQUIRED dyad_web_built)

# The import Job example (deploy/k8s/jobs/import) against the dev overlay,
# the Dockerfile's dyad-cli target and the built `dyad import --help`; the
# self-test breaks it on purpose and expects each break to be caught.
add_test(NAME deploy_check_import_job
  COMMAND ${DYAD_DEPLOY_PYTHON} ${CMAKE_SOURCE_DIR}/deploy/check_import_job.py
          --source-dir ${CMAKE_SOURCE_DIR} --build-dir ${CMAKE_BINARY_DIR} --self-test)
set_tests_properties(deploy_check_import_job
  PROPERTIES LABELS deploy SKIP_RETURN_CODE 77 TIMEOUT 120)
