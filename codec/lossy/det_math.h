/* Deterministic elementary functions for what decides a probability
 * (docs/FORMAT.md section 4.4): built only from IEEE-754 operations that
 * are correctly rounded everywhere (+, -, *, /, fma, rint, ldexp, frexp)
 * in a fixed order, never from libm's exp/log/erf (whose last bits differ
 * between libraries) and never contracted by the compiler (explicit fma;
 * FP_CONTRACT off), so every machine gets the same bits. Accuracy is a few
 * ulps, which is all a probability model needs. */
#ifndef LAT_LOSSY_DET_MATH_H
#define LAT_LOSSY_DET_MATH_H

double det_exp(double x);     /* e^x; 0 below -745, +inf above 709.7 */
double det_log(double x);     /* natural log, x > 0 finite (else NaN / -inf) */
double det_erfc(double x);    /* complementary error function, relative error < 1.2e-7 */
double det_tanh(double x);
double det_softplus(double x);   /* log(1 + e^x) */
double det_sigmoid(double x);
float det_expf(float x);      /* (float)det_exp(x) */

#endif
