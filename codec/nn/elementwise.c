/* Elementwise ops on float arrays (y may alias x). */
#include "nn.h"

#include <math.h>

void nn_relu(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void nn_relu_backward(const float *x, const float *dy, float *dx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

void nn_leaky_relu(const float *x, float *y, size_t n, float slope)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}

void nn_leaky_relu_backward(const float *x, const float *dy, float *dx, size_t n, float slope)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0.0f ? dy[i] : slope * dy[i];
}

float nn_softplus1(float x)
{
    /* log(1 + e^x) = max(x, 0) + log1p(e^-|x|) */
    return (x > 0.0f ? x : 0.0f) + log1pf(expf(-fabsf(x)));
}

float nn_sigmoid1(float x)
{
    if (x >= 0.0f)
        return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

void nn_add(const float *a, const float *b, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = a[i] + b[i];
}

void nn_scale(const float *x, float s, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * s;
}
