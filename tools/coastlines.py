#!/usr/bin/env python3
"""Writes src/report/charts/world.rs: simplified world coastlines for the
topology chart, from Natural Earth's 1:110m land polygons (public domain),
as redistributed in TopoJSON by the npm package world-atlas (ISC).

    npm pack world-atlas@2 && tar xzf world-atlas-2.*.tgz
    python3 tools/coastlines.py package/land-110m.json > src/report/charts/world.rs

Each arc is decoded, simplified (Douglas-Peucker, 0.6 degrees) and written
in tenths of a degree; arcs smaller than 2 degrees across are dropped.
"""
import json
import sys

TOLERANCE = 0.6
MIN_EXTENT = 2.0


def decode(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        yield pts


def simplify(pts, tol):
    if len(pts) < 3:
        return pts
    (x0, y0), (x1, y1) = pts[0], pts[-1]
    dx, dy = x1 - x0, y1 - y0
    norm = (dx * dx + dy * dy) ** 0.5
    best, at = -1.0, 0
    for i, (x, y) in enumerate(pts[1:-1], 1):
        if norm == 0:
            d = ((x - x0) ** 2 + (y - y0) ** 2) ** 0.5
        else:
            d = abs(dy * x - dx * y + x1 * y0 - y1 * x0) / norm
        if d > best:
            best, at = d, i
    if best <= tol:
        return [pts[0], pts[-1]]
    return simplify(pts[: at + 1], tol)[:-1] + simplify(pts[at:], tol)


def main():
    topo = json.load(open(sys.argv[1]))
    lines = []
    for arc in decode(topo):
        xs = [p[0] for p in arc]
        ys = [p[1] for p in arc]
        if max(max(xs) - min(xs), max(ys) - min(ys)) < MIN_EXTENT:
            continue
        s = simplify(arc, TOLERANCE)
        pts = [(round(x * 10), round(y * 10)) for x, y in s]
        if len(pts) >= 2:
            lines.append(pts)
    total = sum(len(l) for l in lines)
    print("//! World coastlines for the topology chart: Natural Earth 1:110m land")
    print("//! (public domain), via the npm package world-atlas 2 (ISC), simplified")
    print("//! to 0.6 degrees by tools/coastlines.py. Tenths of a degree, (lon, lat).")
    print(f"//! {len(lines)} lines, {total} points. Generated: do not edit by hand.")
    print()
    print("/// Coastline polylines, (longitude, latitude) in tenths of a degree.")
    print("#[rustfmt::skip]")
    print("pub const COASTLINES: &[&[(i16, i16)]] = &[")
    for l in lines:
        print("    &[" + ", ".join(f"({x}, {y})" for x, y in l) + "],")
    print("];")


main()
