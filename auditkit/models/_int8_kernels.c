/* Fused int8 helpers for auditkit's Int8Linear (auditkit/models/_precision.py).
 *
 * Each replaces a chain of PyTorch element-wise ops (one pass over memory and
 * one dispatch each) with one pass, row-parallel under OpenMP. The arithmetic
 * is the same, in the same order, as the PyTorch route they stand in for, so
 * both give bit-identical outputs; build with -ffp-contract=off so the
 * compiler does not fuse a multiply and an add into one rounding.
 *
 * ak_quantize_rows quantizes a chunk of activations; ak_dequantize rescales
 * the int32 product of torch._int_mm, ak_rescale the same product as oneDNN's
 * int8 matmul returns it (float32, exactly float(int32)).
 */
#include <math.h>
#include <stdint.h>

/* Per-row (per-token) symmetric int8 quantization of a float32 matrix with row stride `stride`:
 * scale[r] = max(max_c |x[r, c]|, 1e-12) / 127 and q[r, c] = round-half-even(x[r, c] / scale[r]) (q is dense). */
void ak_quantize_rows(const float *x, int64_t rows, int64_t cols, int64_t stride, int8_t *q, float *scale) {
    #pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * stride;
        float amax = 0.0f;
        #pragma omp simd reduction(max:amax)
        for (int64_t c = 0; c < cols; c++) {
            float a = fabsf(xr[c]);
            amax = a > amax ? a : amax;
        }
        const float s = (amax > 1e-12f ? amax : 1e-12f) / 127.0f;
        scale[r] = s;
        int8_t *qr = q + r * cols;
        #pragma omp simd
        for (int64_t c = 0; c < cols; c++) qr[c] = (int8_t)nearbyintf(xr[c] / s);
    }
}

/* out[r, c] = ((float)acc[r, c] * row_scale[r]) * col_scale[c] + bias[c], for dense matrices; bias may be NULL.
 * Defined twice: ak_dequantize for torch._int_mm's int32 product, ak_rescale for oneDNN's float32 one. */
#define AK_DEFINE_RESCALE(NAME, ACC_T)                                                                              \
    void NAME(const ACC_T *acc, int64_t rows, int64_t cols, const float *row_scale, const float *col_scale,        \
              const float *bias, float *out) {                                                                    \
        _Pragma("omp parallel for schedule(static)")                                                              \
        for (int64_t r = 0; r < rows; r++) {                                                                      \
            const ACC_T *ar = acc + r * cols;                                                                     \
            float *o = out + r * cols;                                                                            \
            const float s = row_scale[r];                                                                         \
            if (bias) {                                                                                           \
                _Pragma("omp simd")                                                                               \
                for (int64_t c = 0; c < cols; c++) o[c] = ((float)ar[c] * s) * col_scale[c] + bias[c];           \
            } else {                                                                                              \
                _Pragma("omp simd")                                                                               \
                for (int64_t c = 0; c < cols; c++) o[c] = ((float)ar[c] * s) * col_scale[c];                     \
            }                                                                                                     \
        }                                                                                                         \
    }

AK_DEFINE_RESCALE(ak_dequantize, int32_t)
AK_DEFINE_RESCALE(ak_rescale, float)
