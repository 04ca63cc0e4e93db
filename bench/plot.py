"""Accuracy against speed, from the JSON written by `npm run bench`.

usage: /usr/bin/python3 bench/plot.py docs/benchmarks.json docs/benchmarks.png
Every number comes from the JSON; nothing is typed in here.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src, dst):
    with open(src) as f:
        r = json.load(f)
    fig, ax = plt.subplots(figsize=(8, 5.2), dpi=120)
    groups = {}
    for row in r["node"]:
        # a model's stage counts form one line; the flipTest and full-size pass 1 variants are points of their own
        key = row["label"] if "+" in row["id"] else row["model"]
        groups.setdefault(key, []).append(row)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (model, rows) in enumerate(groups.items()):
        rows = sorted(rows, key=lambda x: x["medianMs"])
        xs = [x["medianMs"] for x in rows]
        ys = [100 * x["pck"]["limbMean"][0] for x in rows]
        anchor = rows[0]["kind"] == "movenet"
        ax.plot(xs, ys, marker="s" if anchor else "o", markersize=8, linestyle="-" if len(rows) > 1 else "none",
                color=colours[i % len(colours)], label=rows[0]["label"] if len(rows) == 1 else f"{model} (stages 1..{len(rows)})")
        for x, y, row in zip(xs, ys, rows):
            text = f"k={row['stages']}" if row.get("stages") and len(rows) > 1 else row["label"]
            # a variant point sits beside the stage line: label it below the point, clear of the line's labels
            below = "+detect" in row["id"]
            ax.annotate(text, (x, y), textcoords="offset points", xytext=(8, -14) if below else (6, 6), fontsize=9)
    ax.set_xlabel("median ms per frame (Node, wasm backend, whole estimatePose call)")
    ax.set_ylabel("PCK@0.2, mean of 12 limb joints (%)")
    n = r["accuracy"]["photos"]
    ax.set_title(f"Accuracy vs speed, LSPET validation ({n} photos), {r['date'][:10]}")
    ax.set_xlim(0, 1.15 * max(x["medianMs"] for x in r["node"]))
    # headroom for the labels of the top points
    ax.set_ylim(0, 1.12 * max(100 * x["pck"]["limbMean"][0] for x in r["node"]))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=9)
    fig.tight_layout()
    fig.savefig(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
