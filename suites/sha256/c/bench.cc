// Google Benchmark harness of suite sha256 (the op itself is C: sha256op.c).
//
//   hash/size=S                              one thread hashes its buffer
//   hash-parallel/size=S/real_time/threads:T GB runs T threads, each with its
//                                            own buffer; wall-clock timing
//
// for S in 64, 4096, 1048576 and T in BENCHNORM_THREADS (comma list, default
// 1,2,4). One op = bn_sha256_digest (EVP_Digest, SHA-256) of S bytes, byte
// i = i mod 251. The EVP_MD is fetched once in main; every thread builds its
// buffer before its timed loop.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sha256op.h"

namespace {

const EVP_MD *g_md = nullptr;
const size_t kSizes[] = {64, 4096, 1048576};

void Hash(benchmark::State &state, size_t size)
{
    std::vector<unsigned char> buf(size); // this thread's own buffer
    bn_pattern(buf.data(), size, BN_PATTERN_MOD);
    unsigned char out[BN_SHA256_LEN];
    for (auto _ : state) {
        if (!bn_sha256_digest(g_md, buf.data(), size, out)) {
            state.SkipWithError("EVP_Digest failed");
            break;
        }
        benchmark::DoNotOptimize(out);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(size));
}

// BENCHNORM_THREADS: distinct positive integers separated by commas.
bool ParseThreads(const char *text, std::vector<int> &out, std::string &why)
{
    std::string s(text);
    size_t pos = 0;
    for (;;) {
        size_t comma = s.find(',', pos);
        std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
        item = b == std::string::npos ? "" : item.substr(b, e - b + 1);
        bool digits = !item.empty() && item.size() <= 6 && item.find_first_not_of("0123456789") == std::string::npos;
        int t = digits ? std::atoi(item.c_str()) : 0;
        if (t < 1) {
            why = "\"" + item + "\" is not a positive whole number of threads (at most 6 digits)";
            return false;
        }
        for (int seen : out)
            if (seen == t) {
                why = std::to_string(t) + " threads is listed twice";
                return false;
            }
        out.push_back(t);
        if (comma == std::string::npos)
            return true;
        pos = comma + 1;
    }
}

} // namespace

int main(int argc, char **argv)
{
    std::vector<int> threads = {1, 2, 4};
    if (const char *env = std::getenv("BENCHNORM_THREADS")) {
        std::string why;
        threads.clear();
        if (!ParseThreads(env, threads, why)) {
            std::fprintf(stderr, "BENCHNORM_THREADS=\"%s\": %s; expected e.g. BENCHNORM_THREADS=1,2,4\n", env,
                         why.c_str());
            return 2;
        }
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 2;
    EVP_MD *md = bn_sha256_fetch();
    if (!md) {
        std::fprintf(stderr, "sha256_bench: EVP_MD_fetch(SHA256) failed\n");
        return 1;
    }
    g_md = md;
    for (size_t size : kSizes) {
        std::string suffix = "/size=" + std::to_string(size);
        benchmark::RegisterBenchmark(("hash" + suffix).c_str(), Hash, size);
        for (int t : threads)
            benchmark::RegisterBenchmark(("hash-parallel" + suffix).c_str(), Hash, size)->Threads(t)->UseRealTime();
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    EVP_MD_free(md);
    return 0;
}
