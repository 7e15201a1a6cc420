#!/usr/bin/env python3
"""PyTorch reference timings for `lat bench nn`: the same factorized-prior
transforms (conv 5x5/2 + GDN, deconv 5x5/2 + IGDN) with random weights at
768x512, batch 1, float32 on the CPU, for the speed comparison of issue 15.

  python3 tools/bench/torch_bench.py [--threads 2] [--runs 7] [--cpu-time]

Optional benchmark dependency: python3-torch (Debian) or pip's torch. For
PyTorch's best set-up also preload tcmalloc, e.g.
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4 python3 ...
Prints, per (N, M) and transform, the median wall time of each set-up
tried (NCHW, channels_last, frozen TorchScript with channels_last) and the
best of them."""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Gdn(nn.Module):
    """y = x / sqrt(beta + gamma . x^2) (inverse: times), as CompressAI."""

    def __init__(self, c, inverse):
        super().__init__()
        self.inverse = inverse
        self.beta = nn.Parameter(torch.ones(c))
        self.gamma = nn.Parameter(0.1 * torch.eye(c) + 0.01 * torch.rand(c, c))

    def forward(self, x):
        norm = F.conv2d(x * x, self.gamma[:, :, None, None], self.beta)
        return x * torch.sqrt(norm) if self.inverse else x * torch.rsqrt(norm)


def analysis(n, m):
    conv = lambda i, o: nn.Conv2d(i, o, 5, stride=2, padding=2)
    return nn.Sequential(conv(3, n), Gdn(n, False), conv(n, n), Gdn(n, False),
                         conv(n, n), Gdn(n, False), conv(n, m))


def synthesis(n, m):
    deconv = lambda i, o: nn.ConvTranspose2d(i, o, 5, stride=2, padding=2, output_padding=1)
    return nn.Sequential(deconv(m, n), Gdn(n, True), deconv(n, n), Gdn(n, True),
                         deconv(n, n), Gdn(n, True), deconv(n, 3))


def median_time(f, x, runs, clock):
    f(x)  # warm-up
    ts = []
    for _ in range(runs):
        t0 = clock()
        f(x)
        ts.append(clock() - t0)
    return statistics.median(ts)


def setups(net, x):
    yield "nchw", net, x
    cl = x.contiguous(memory_format=torch.channels_last)
    netc = net.to(memory_format=torch.channels_last)
    yield "channels_last", netc, cl
    try:
        frozen = torch.jit.optimize_for_inference(torch.jit.trace(netc.eval(), cl))
        yield "jit_frozen_channels_last", frozen, cl
    except Exception as e:  # older versions: no optimize_for_inference
        print(f"  (frozen TorchScript not available: {e})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--cpu-time", action="store_true",
                    help="process CPU time instead of wall time (with --threads 1 on a busy machine)")
    args = ap.parse_args()
    clock = time.process_time if args.cpu_time else time.perf_counter
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    print(f"torch {torch.__version__}, {args.threads} thread(s), median of {args.runs}, "
          f"{'process CPU' if args.cpu_time else 'wall'} time, "
          f"mkldnn {torch.backends.mkldnn.is_available()}")
    for n, m in ((128, 192), (64, 96)):
        img = torch.rand(1, 3, 512, 768)
        lat = torch.rand(1, m, 32, 48)
        for name, net, x in (("analysis", analysis(n, m), img), ("synthesis", synthesis(n, m), lat)):
            best = None
            with torch.inference_mode():
                for setup, f, xx in setups(net.eval(), x):
                    t = median_time(f, xx, args.runs, clock)
                    print(f"  {name} (N={n}, M={m}) {setup}: {t * 1e3:.1f} ms")
                    best = t if best is None else min(best, t)
            print(f"{name} (N={n}, M={m}) best: {best * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
