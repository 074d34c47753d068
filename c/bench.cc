// secret_bench — the five canonical benchmarks under Google Benchmark (1.7).
//
// Names:
//   secret/floor                                   one thread
//   secret/sequential                              one thread
//   secret/parallel-owned/real_time/threads:T      for each T in BENCHNORM_THREADS
//   secret/parallel-locked/real_time/threads:T
//   secret/parallel-shared/real_time/threads:T
//
// BENCHNORM_THREADS is a comma list of worker counts (default 1,2,4); a bad
// value exits 2 with one line on stderr. Every Google Benchmark flag works
// as usual (--benchmark_format=json, --benchmark_repetitions=K,
// --benchmark_min_time=0.3, --benchmark_filter=REGEX, --benchmark_out=FILE).
//
// Each thread runs state.iterations() ops. With T threads Google Benchmark
// reports iterations = T x (iterations per thread) and, with UseRealTime,
// real_time = wall time of the run / that total: the machine's cost per op,
// as Go's RunParallel reports it. items_per_second counts every thread's ops.
//
// Set-up: the Secrets (one per worker for parallel-owned, one shared for
// parallel-locked and parallel-shared), the floor page and the extra mutex
// are built by a ->Setup() callback and released by ->Teardown(). Google
// Benchmark calls these once per run, on the main thread, before it starts
// the run's T threads and after it has joined them, so the threads only
// ever read a finished set-up and nothing is built inside the timed loop.
// The other way (thread_index() == 0 builds, the rest wait on Google
// Benchmark's start barrier) would leave the teardown racing with the other
// threads' last iterations unless a second barrier were added by hand.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "workload.h"

namespace {

// The set-up of the benchmark that is running now, with what went wrong
// building it. Google Benchmark runs one benchmark at a time, so one slot
// per canonical benchmark is enough; the callbacks write it while no
// benchmark thread is running.
struct Slot {
  workload* w = nullptr;
  std::string error;  // set when the set-up or the teardown failed
};
Slot slots[WORKLOAD_COUNT];
// Set by any thread whose op failed; main then exits 1.
std::atomic<bool> op_failed{false};

std::string Describe(int code, int errnum) {
  char msg[256];
  workload_describe(code, errnum, msg, sizeof msg);
  return msg;
}

template <int K>
void SetUp(const benchmark::State& state) {
  Slot& slot = slots[K];
  slot.error.clear();
  int code = workload_setup(workload_names[K], state.threads(), &slot.w);
  if (code != 0) {
    slot.w = nullptr;
    slot.error = Describe(code, errno);
  }
}

template <int K>
void TearDown(const benchmark::State&) {
  Slot& slot = slots[K];
  int code = workload_close(slot.w);
  slot.w = nullptr;
  if (code != 0) {
    // The run's results are already in; say so on stderr and fail the
    // process at the end (see main).
    std::fprintf(stderr, "secret_bench: %s: tearing down: %s\n", workload_names[K],
                 Describe(code, errno).c_str());
    slot.error = "teardown failed";
  }
}

template <int K>
void Bench(benchmark::State& state) {
  Slot& slot = slots[K];
  if (slot.w == nullptr) {
    state.SkipWithError(slot.error.empty() ? "set-up did not run" : slot.error.c_str());
    return;
  }
  workload* w = slot.w;
  const int i = state.thread_index();
  for (auto _ : state) {
    int code = workload_op(w, i);
    if (code != 0) {
      std::string msg = Describe(code, errno);
      op_failed.store(true);
      state.SkipWithError(msg.c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

bool ParseThreads(const char* text, std::vector<int>* out) {
  std::string s(text);
  size_t pos = 0;
  while (true) {
    size_t comma = s.find(',', pos);
    std::string part = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (part.empty() || part.size() > 4 || part.find_first_not_of("0123456789") != std::string::npos)
      return false;
    int t = std::atoi(part.c_str());
    if (t < 1 || t > 1024) return false;
    for (int seen : *out)
      if (seen == t) return false;
    out->push_back(t);
    if (comma == std::string::npos) return true;
    pos = comma + 1;
  }
}

static_assert(WORKLOAD_COUNT == 5, "main registers the five canonical benchmarks one by one");

template <int K>
void RegisterOne(const std::vector<int>& threads) {
  std::string name = std::string("secret/") + workload_names[K];
  auto* b = benchmark::RegisterBenchmark(name.c_str(), Bench<K>)->Setup(SetUp<K>)->Teardown(TearDown<K>);
  if (workload_serial(workload_names[K])) return;  // one thread, Google Benchmark's default
  b->UseRealTime();
  for (int t : threads) b->Threads(t);
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("BENCHNORM_THREADS");
  std::vector<int> threads;
  if (!ParseThreads(env != nullptr ? env : "1,2,4", &threads)) {
    std::fprintf(stderr,
                 "secret_bench: BENCHNORM_THREADS=\"%s\" is not a comma list of distinct whole numbers "
                 "from 1 to 1024 (e.g. 1,2,4)\n",
                 env);
    return 2;
  }
  RegisterOne<0>(threads);
  RegisterOne<1>(threads);
  RegisterOne<2>(threads);
  RegisterOne<3>(threads);
  RegisterOne<4>(threads);

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (op_failed.load()) return 1;
  for (const Slot& slot : slots)
    if (!slot.error.empty()) return 1;
  return 0;
}
