# The web front (web/): dyad-web, which answers every RelationsGateway method
# and the backends' read methods as Connect (JSON POST) and gRPC-Web calls and
# forwards them over gRPC, and the explorer page it serves.
#
#   ctest -L web --output-on-failure
#
#   web_build     npm ci (when web/package-lock.json changed), the generated
#                 TypeScript, tsc, esbuild: web/dist (a fixture the others need)
#   web_http      the README's curl example, every method as JSON and over
#                 gRPC-Web, errors, deadlines and partial answers passed
#                 through, CORS, health, shutdown
#   web_explorer  the page in Debian's chromium (playwright-core, no browser
#                 download): timeline, charts, citations, URL state, the
#                 partial notice with the economics backend stopped;
#                 screenshots in build/web-artifacts
#
# Each starts the real binaries of this build on free ports. Skipped (77) only
# when node >= 20, npm, protoc or (explorer) /usr/bin/chromium is missing.
set(dyad_web_required)
foreach(name events economics institutions gateway)
  if(TARGET dyad-${name})
    list(APPEND dyad_web_required ${name})
  endif()
endforeach()
list(JOIN dyad_web_required "," dyad_web_required)

add_test(NAME web_build COMMAND bash ${CMAKE_SOURCE_DIR}/web/scripts/build.sh)
set_tests_properties(web_build PROPERTIES
  LABELS web
  FIXTURES_SETUP dyad_web_built
  SKIP_RETURN_CODE 77
  TIMEOUT 300)

foreach(suite http explorer)
  add_test(NAME web_${suite}
    COMMAND bash ${CMAKE_SOURCE_DIR}/web/run_tests.sh --no-build ${CMAKE_BINARY_DIR} ${suite})
  set_tests_properties(web_${suite} PROPERTIES
    LABELS "web;e2e"
    FIXTURES_REQUIRED dyad_web_built
    SKIP_RETURN_CODE 77
    ENVIRONMENT "DYAD_REQUIRED_BINARIES=${dyad_web_required};DYAD_WEB_ARTIFACTS=${CMAKE_BINARY_DIR}/web-artifacts"
    TIMEOUT 600)
endforeach()
