// Importer throughput: parse+map rows/s for one file, repeated to a size worth
// timing. Prints figures, asserts nothing (see docs/import.md).
//
//   dyad-parse-bench [FILE] [REPEAT]
// FILE defaults to the real GDELT 2.0 export rows in ../shared/data; the file
// is concatenated REPEAT times (default 200) into a temporary file first.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "import.h"
#include "reader.h"

namespace {

using dyad::importers::Event;
using dyad::importers::Observation;

class CountingSink : public dyad::importers::RecordSink {
 public:
  absl::Status Add(Event e) override {
    last_title_size = e.title().size();
    ++records;
    return absl::OkStatus();
  }
  absl::Status Add(Observation o) override {
    last_title_size = o.indicator().size();
    ++records;
    return absl::OkStatus();
  }
  size_t last_title_size = 0;
  int64_t records = 0;
};

// CPU seconds of this process: on a shared machine wall time also counts
// the time other processes held the core.
double CpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string src = argc > 1 ? argv[1]
                             : std::string(DYAD_SOURCE_DIR) +
                                   "/../shared/data/gdelt2-20191024143000-rows1-1000.export.CSV";
  int repeat = argc > 2 ? std::stoi(argv[2]) : 200;
  std::string base = dyad::importers::BaseName(src);
  auto tmp = std::filesystem::temp_directory_path() /
             ("dyad-parse-bench-" + std::to_string(::getpid()) + "-" + base);
  {
    std::ifstream in(src, std::ios::binary);
    if (!in) {
      std::cerr << src << ": cannot open\n";
      return 1;
    }
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!data.empty() && data.back() != '\n') data.push_back('\n');
    std::ofstream out(tmp, std::ios::binary);
    for (int i = 0; i < repeat; ++i) out << data;
  }

  // Read only: the reader's own cost.
  auto t0 = std::chrono::steady_clock::now();
  auto reader = dyad::importers::OpenReader(tmp, dyad::importers::Format::kAuto);
  if (!reader.ok()) {
    std::cerr << reader.status() << "\n";
    return 1;
  }
  int64_t rows = 0;
  while ((*reader)->Next() != nullptr) ++rows;
  double read_s = Seconds(t0);

  // Parse + map, records handed to a sink that counts them.
  CountingSink sink;
  auto t1 = std::chrono::steady_clock::now();
  double cpu1 = CpuSeconds();
  auto summary = dyad::importers::ImportFile(tmp, dyad::importers::Format::kAuto, sink);
  double map_s = Seconds(t1);
  double map_cpu = CpuSeconds() - cpu1;
  std::filesystem::remove(tmp);
  if (!summary.ok()) {
    std::cerr << summary.status() << "\n";
    return 1;
  }
  std::printf("file %s x%d (%s): %lld rows, %lld records, %lld rejected\n", base.c_str(), repeat,
              std::string(dyad::importers::FormatName(summary->format)).c_str(),
              static_cast<long long>(summary->rows_read), static_cast<long long>(sink.records),
              static_cast<long long>(summary->rejected));
  std::printf("read only:   %.0f rows/s (%.3f s)\n", rows / read_s, read_s);
  std::printf("parse+map:   %.0f rows/s wall (%.3f s), %.0f rows per CPU-second (one core)\n",
              summary->rows_read / map_s, map_s, summary->rows_read / map_cpu);
  return 0;
}
