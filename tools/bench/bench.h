/* Benchmarks behind `lat bench <kind>`. Each kind lives in its own
 * tools/bench/bench_<kind>.c; tools/cli/cmd_bench.c dispatches. Each returns the
 * process exit code. */
#ifndef LAT_TOOLS_BENCH_H
#define LAT_TOOLS_BENCH_H
int bench_nn(int argc, char **argv);   /* bench_nn.c: NN engine layers vs sgemm */
int bench_rd(int argc, char **argv);   /* bench_rd.c: RD sweep vs JPEG, plots, HTML report */
int bench_lossless(int argc, char **argv); /* bench_lossless.c: vs PNG, JPEG-LS, JPEG q100 */
#endif
