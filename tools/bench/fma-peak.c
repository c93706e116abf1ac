/*
 * The machine's FP32 FMA peak, for the benchmark's "% of peak": every thread runs 12 independent chains of
 * AVX-512 fused multiply-adds (enough to cover the FMA latency), with no memory traffic.
 *   cc -O3 -mavx512f -mfma fma-peak.c -o fma-peak -lpthread && ./fma-peak 2
 * Prints GFLOP/s for the given number of threads (default 1).
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITERATIONS 100000000L
#define CHAIN(i) __m512 a##i = _mm512_set1_ps((float)(i));
#define STEP(i) a##i = _mm512_fmadd_ps(a##i, b, c);

static void *work(void *out) {
  const __m512 b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(-0.0000001f);
  CHAIN(0) CHAIN(1) CHAIN(2) CHAIN(3) CHAIN(4) CHAIN(5) CHAIN(6) CHAIN(7) CHAIN(8) CHAIN(9) CHAIN(10) CHAIN(11)
  for (long n = 0; n < ITERATIONS / 12; n++) {
    STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7) STEP(8) STEP(9) STEP(10) STEP(11)
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)), _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  *(float *)out = _mm512_reduce_add_ps(s); /* keeps the loop from being optimised away */
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (threads < 1 || threads > 64) threads = 1;
  pthread_t ids[64];
  float sink[64];
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, work, &sink[i]);
  for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  double flops = (double)threads * (double)(ITERATIONS / 12 * 12) * 16.0 * 2.0;
  printf("%.1f\n", flops / seconds / 1e9);
  return sink[0] == 12345.0f; /* never: uses the result */
}
