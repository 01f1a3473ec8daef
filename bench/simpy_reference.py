"""The reference scenario (scenarios/reference.yaml) written in SimPy, to time
regionsim against a general-purpose Python simulator on the same model.

    python3 -m venv /tmp/simpy && /tmp/simpy/bin/pip install simpy==4.1.2
    /tmp/simpy/bin/python bench/simpy_reference.py [--duration 600]

Idiomatic SimPy: a process per request source and per request, a FIFO store
and one apply process per replication stream. The model is regionsim's:

- Poisson reads and writes per client region to the `users` dataset, keys
  Zipf(0.9) over 200,000 keys;
- a request's latency is access + to the database + back + access; reads go
  to the nearest copy (us-east-1 the primary, eu-west-1 and ap-southeast-1
  their replicas), writes to the primary in us-east-1;
- a commit is sent to each replica over a FIFO link (an arrival never
  overtakes the one before it) and applied by one apply thread;
- a read at a replica is stale at bound T if the replica has not applied a
  write to its key committed T or more before;
- delays are the aws preset's (src/scenario/presets.rs): a one-way WAN delay
  with median m is 0.95 m plus a lognormal of median 0.05 m and sigma 0.75;
  inside a region a lognormal of median 0.43 ms and p99 3.95 ms.

It draws its own random numbers, so it agrees with regionsim in
distribution, not to the byte: it prints the figures to compare (read p50
and p99 per region, stale-read shares, mean lag per replica) and the CPU
time of the run.
"""

import argparse
import bisect
import itertools
import math
import random
import time
from collections import deque

import simpy

Z99 = 2.326347874040841


def lognormal(base, median, p99):
    """base + a lognormal with the given median and p99 (all in seconds)."""
    mu = math.log(median - base)
    sigma = math.log((p99 - base) / (median - base)) / Z99
    return lambda rng: base + rng.lognormvariate(mu, sigma)


def wan(median):
    return lognormal(0.95 * median, median, 0.95 * median + 0.05 * median * math.exp(0.75 * Z99))


INTRA = lognormal(0.0, 0.43e-3, 3.95e-3)
MS = 1e-3
BOUNDS = [0.0, 100 * MS, 500 * MS, 1.0]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-1"]
# One-way medians: half the preset's round trips (70 ms and 219 ms).
LINK = {"eu-west-1": wan(35 * MS), "ap-southeast-1": wan(109.5 * MS)}
ACCESS = {
    "us-east-1": INTRA,
    "eu-west-1": lognormal(0.0, 8 * MS, 30 * MS),
    "ap-southeast-1": lognormal(0.0, 12 * MS, 45 * MS),
}
RATES = {"us-east-1": (2000, 150), "eu-west-1": (1500, 80), "ap-southeast-1": (800, 40)}
APPLY = lognormal(0.0, 0.6 * MS, 4 * MS)
KEYS = 200_000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=600.0, help="measured seconds")
    ap.add_argument("--warmup", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    warmup, end = a.warmup, a.warmup + a.duration
    rng = random.Random(a.seed)
    cum = list(itertools.accumulate(1.0 / (k ** 0.9) for k in range(1, KEYS + 1)))
    total = cum[-1]

    def key():
        return bisect.bisect(cum, rng.random() * total)

    env = simpy.Environment()
    latency = {(r, op): [] for r in REGIONS for op in ("read", "write")}
    stale = {r: [0] * len(BOUNDS) for r in REGIONS}
    lags = {r: [] for r in LINK}

    class Stream:
        def __init__(self, region):
            self.region = region
            self.link = LINK[region]
            self.store = simpy.Store(env)
            self.last_arrival = 0.0
            self.pending = {}  # key -> deque of unapplied commit times
            env.process(self.applier())

        def send(self, k, commit):
            arrival = max(commit + self.link(rng), self.last_arrival)
            self.last_arrival = arrival
            self.pending.setdefault(k, deque()).append(commit)
            self.store.put((k, commit, arrival))

        def applier(self):
            while True:
                k, commit, arrival = yield self.store.get()
                if arrival > env.now:
                    yield env.timeout(arrival - env.now)
                yield env.timeout(APPLY(rng))
                q = self.pending[k]
                q.popleft()
                if not q:
                    del self.pending[k]
                if commit >= warmup:
                    lags[self.region].append(env.now - commit)

    streams = {r: Stream(r) for r in LINK}

    def read(region, k, sent):
        access = ACCESS[region]
        local = INTRA
        yield env.timeout(access(rng) + local(rng))
        if warmup <= sent < end:
            st = streams.get(region)
            if st is not None:
                q = st.pending.get(k)
                if q:
                    age = env.now - q[0]
                    for i, b in enumerate(BOUNDS):
                        if age >= b:
                            stale[region][i] += 1
            latency[(region, "read")].append(env.now + local(rng) + access(rng) - sent)

    def write(region, k, sent):
        access = ACCESS[region]
        to_primary = INTRA if region == "us-east-1" else LINK[region]
        yield env.timeout(access(rng) + to_primary(rng))
        for st in streams.values():
            st.send(k, env.now)
        if warmup <= sent < end:
            latency[(region, "write")].append(env.now + to_primary(rng) + access(rng) - sent)

    def source(region, rate, request):
        while True:
            yield env.timeout(rng.expovariate(rate))
            if env.now >= end:
                return
            env.process(request(region, key(), env.now))

    for r, (reads, writes) in RATES.items():
        env.process(source(r, reads, read))
        env.process(source(r, writes, write))

    start = time.process_time()
    env.run()
    cpu = time.process_time() - start

    def q(xs, p):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(p * len(xs)))] / MS

    for r in REGIONS:
        xs = latency[(r, "read")]
        shares = " ".join(f"{b / MS:g}ms={s / len(xs):.4%}" for b, s in zip(BOUNDS, stale[r]))
        print(f"{r}: {len(xs)} reads, p50 {q(xs, 0.5):.2f} ms, p99 {q(xs, 0.99):.2f} ms; stale {shares}")
    for r, xs in lags.items():
        print(f"lag {r}: mean {sum(xs) / len(xs) / MS:.2f} ms, p99 {q(xs, 0.99):.2f} ms")
    print(f"simpy {simpy.__version__}: {warmup + a.duration:g} s simulated in {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
