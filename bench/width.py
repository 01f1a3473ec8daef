"""Wide scenarios for `regionsim bench`: n regions, one dataset of 100,000
keys, every region reading 20/s and writing 2/s, fixed one-way delays of
20-139 ms between regions (20 + (7i + 13j) mod 120 between ri and rj), 1 ms
inside a region and to apply a write.

    python3 bench/width.py N mesh > meshN.yaml      # active-active over all N
    python3 bench/width.py N primary > primN.yaml   # primary r0, the others replicas

`mesh` is `mesh(n)` of tests/integration/memory.rs (the memory test's
generator), byte for byte; `primary` is the same with one async primary, the
issue's "width" series, which `regionsim bench --baseline` can also run in its
hand-written loop.
"""

import sys


def scenario(n, kind):
    y = "name: %s\nseed: 1\nwarmup: 10s\nduration: 60s\nregions:\n" % (
        "mesh" if kind == "mesh" else "primary"
    )
    for i in range(n):
        y += "  - {name: r%d, jurisdiction: X}\n" % i
    y += "network:\n  intra_region: 1ms\n  links:\n"
    for i in range(n):
        for j in range(i + 1, n):
            y += "    - {between: [r%d, r%d], delay: %dms}\n" % (
                i,
                j,
                20 + (i * 7 + j * 13) % 120,
            )
    names = ["r%d" % i for i in range(n)]
    if kind == "mesh":
        placement = "active-active: {regions: [%s], apply_time: 1ms}" % ", ".join(names)
    else:
        placement = (
            "single-primary: {primary: r0, replicas: [%s], replication: async, apply_time: 1ms}"
            % ", ".join(names[1:])
        )
    y += "datasets:\n  - name: d\n    keys: 100000\n    placement:\n      %s\nworkload:\n" % placement
    for r in names:
        y += "  - {region: %s, rates: {d: {reads_per_s: 20, writes_per_s: 2}}}\n" % r
    return y


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in ("mesh", "primary"):
        sys.exit("usage: width.py N mesh|primary")
    sys.stdout.write(scenario(int(sys.argv[1]), sys.argv[2]))
